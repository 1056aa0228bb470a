"""Power by simulation: absolute goals of issue 15 and the Dask speed-up.

* 10,000 simulated trials of 100 per arm analysed by ANCOVA: < 30 s (local
  process pool over the machine's cores; 2 here).
* 1,000 MMRM trials of 100 per arm: < 60 s (same pool).
* 1 -> 2 Dask workers (LocalCluster, one thread each, processes): speed-up
  >= 1.7x on 10,000 ANCOVA trials (the baseline is the 1-worker run, timed in
  the same session). Cluster start-up is outside the timed statement.

A speed-up needs two free cores. On a shared machine they may not be there,
so the same run also times a purely CPU-bound job (Python arithmetic, no
I/O) on one and on two processes: when even that job gains less than 1.8x,
the machine cannot show a 1.7x speed-up and the Dask goal is reported as not
measurable (the test is skipped, the figures are recorded).
"""

import pytest
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


#: Dask's nanny starts each worker with MALLOC_TRIM_THRESHOLD_=65536, which also fixes
#: glibc's mmap threshold: every large temporary array of a chunk is then mapped and
#: unmapped afresh. On this workload that cost about 40% (1 worker: 19.5 s with Dask's
#: setting, 11.5 s with both thresholds at 128 MiB, same machine), so the cluster
#: here starts its workers as kneestudy.design's docstring advises.
_WORKER_ENV = {
    "MALLOC_TRIM_THRESHOLD_": "134217728", "MALLOC_MMAP_THRESHOLD_": "134217728",
    "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
}  # fmt: skip
_DASK = WARM + (
    "import dask\n"
    "dask.config.set({{'distributed.nanny.pre-spawn-environ': "
    + repr(_WORKER_ENV).replace("{", "{{").replace("}", "}}")
    + "}})\n"
    "from distributed import LocalCluster, Client\n"
    "cluster = LocalCluster(n_workers={w}, threads_per_worker=1, processes=True, "
    "dashboard_address=':0', silence_logs=40)\n"
    "client = Client(cluster)\n"
    "client.run(lambda: __import__('kneestudy.design.power'))\n"
)
_STMT = (
    "ks.design.power('orthotics', 100, reps=10_000, effect=-0.5, executor=client.get_executor())"
)


_BURN_SETUP = """
from concurrent.futures import ProcessPoolExecutor
pool = ProcessPoolExecutor({w})
list(pool.map(sum, [range(10)] * {w}))
"""
_BURN = "list(pool.map(sum, [range(10_000_000)] * 8))"  # builtins pickle by name


def test_dask_speed_up_one_to_two_workers():
    cpu_one = run_isolated(_BURN, _BURN_SETUP.format(w=1), repeat=1)
    one = run_isolated(_STMT, _DASK.format(w=1), repeat=1)
    two = run_isolated(_STMT, _DASK.format(w=2), repeat=1)
    cpu_two = run_isolated(_BURN, _BURN_SETUP.format(w=2), repeat=1)
    attainable = cpu_one["seconds"] / cpu_two["seconds"]
    speed_up = one["seconds"] / two["seconds"]
    met = speed_up >= 1.7
    record(f"design.power on Dask, 2 workers (speed-up {speed_up:.2f}x)", two["seconds"],
           ">= 1.7x vs 1 worker", met, "same on 1 Dask worker", one["seconds"],
           two["peak_mb"])  # fmt: skip
    record(f"pure-CPU job, 2 processes (speed-up {attainable:.2f}x)", cpu_two["seconds"],
           "machine check: >= 1.8x", attainable >= 1.8, "same on 1 process",
           cpu_one["seconds"])  # fmt: skip
    if attainable < 1.8:
        pytest.skip(f"machine busy: a CPU-bound job gains only {attainable:.2f}x on 2 processes "
                    f"(Dask: {speed_up:.2f}x)")  # fmt: skip
    assert met
