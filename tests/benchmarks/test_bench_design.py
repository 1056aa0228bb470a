"""Power by simulation: absolute goals of issue 15 and the Dask speed-up.

* 10,000 simulated trials of 100 per arm analysed by ANCOVA: < 30 s (local
  process pool over the machine's cores; 2 here).
* 1,000 MMRM trials of 100 per arm: < 60 s (same pool).
* 1 -> 2 Dask workers (LocalCluster, one thread each, processes): speed-up
  >= 1.7x on 10,000 ANCOVA trials (the baseline is the 1-worker run, timed in
  the same session). Cluster start-up is outside the timed statement.
"""

from _bench import record, run_isolated

WARM = "import kneestudy as ks\nks.design.power('orthotics', 20, reps=20, effect=-0.5, executor='serial')\n"


def test_ancova_10k_trials():
    stmt = "ks.design.power('orthotics', 100, analysis='ancova', reps=10_000, effect=-0.5)"
    res = run_isolated(stmt, WARM, repeat=1)
    met = res["seconds"] < 30.0
    record("design.power ANCOVA 10,000 trials x 200", res["seconds"], "< 30 s", met,
           peak_mb=res["peak_mb"])  # fmt: skip
    assert met


def test_mmrm_1k_trials():
    stmt = "ks.design.power('orthotics', 100, analysis='mmrm', reps=1000, effect=-0.5)"
    res = run_isolated(stmt, WARM, repeat=1)
    met = res["seconds"] < 60.0
    record("design.power MMRM 1,000 trials x 200", res["seconds"], "< 60 s", met,
           peak_mb=res["peak_mb"])  # fmt: skip
    assert met


_DASK = WARM + (
    "from distributed import LocalCluster, Client\n"
    "cluster = LocalCluster(n_workers={w}, threads_per_worker=1, processes=True, "
    "dashboard_address=':0', silence_logs=40)\n"
    "client = Client(cluster)\n"
    "client.run(lambda: __import__('kneestudy.design.power'))\n"
)
_STMT = (
    "ks.design.power('orthotics', 100, reps=10_000, effect=-0.5, executor=client.get_executor())"
)


def test_dask_speed_up_one_to_two_workers():
    one = run_isolated(_STMT, _DASK.format(w=1), repeat=1)
    two = run_isolated(_STMT, _DASK.format(w=2), repeat=1)
    speed_up = one["seconds"] / two["seconds"]
    met = speed_up >= 1.7
    record(f"design.power on Dask, 2 workers (speed-up {speed_up:.2f}x)", two["seconds"],
           ">= 1.7x vs 1 worker", met, "same on 1 Dask worker", one["seconds"],
           two["peak_mb"])  # fmt: skip
    assert met
