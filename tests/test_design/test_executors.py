"""Same seed, same numbers: in process, local process pools and a Dask cluster.

A dask.distributed LocalCluster with two worker processes is started once for
this module (a few seconds); runs are small so the default suite stays fast.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import kneestudy as ks
from kneestudy.design import engine
from kneestudy.errors import AnalysisError

pytestmark = pytest.mark.dask

KW = dict(effect=-0.8, reps=90, seed=11, chunk_reps=15, weeks=(0, 2, 4, 6, 12))


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    cl = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=40)  # fmt: skip
    client = distributed.Client(cl)
    yield cl, client
    client.close()
    cl.close()


@pytest.fixture(scope="module")
def serial():
    return {a: ks.design.power("orthotics", 25, analysis=a, executor="serial", **KW)
            for a in ("ancova", "cox")}  # fmt: skip


def _same(a, b):
    np.testing.assert_array_equal(a.replicates.to_numpy(), b.replicates.to_numpy())
    assert a.power == b.power and a.bias == b.bias and a.n_chunks == b.n_chunks == 6


@pytest.mark.parametrize("analysis", ["ancova", "cox"])
def test_dask_client_executor_equals_serial(cluster, serial, analysis):
    _, client = cluster
    res = ks.design.power("orthotics", 25, analysis=analysis, executor=client.get_executor(), **KW)
    _same(res, serial[analysis])
    assert res.executor.startswith("dask")


def test_dask_address_equals_serial(cluster, serial):
    cl, _ = cluster
    address = cl.scheduler_address.replace("tcp://", "dask://")
    _same(ks.design.power("orthotics", 25, analysis="ancova", executor=address, **KW),
          serial["ancova"])  # fmt: skip


def test_any_executor_and_worker_count_equals_serial(serial):
    with ThreadPoolExecutor(3) as pool:
        _same(ks.design.power("orthotics", 25, analysis="ancova", executor=pool, **KW),
              serial["ancova"])  # fmt: skip
    _same(ks.design.power("orthotics", 25, analysis="ancova", executor=1, **KW), serial["ancova"])


def test_progress_reports_every_chunk():
    seen = []
    ks.design.power("orthotics", 25, executor="serial", progress=lambda d, t: seen.append((d, t)),
                    **KW)  # fmt: skip
    assert seen == [(i, 6) for i in range(1, 7)]


def test_chunk_seeds_are_spawned_from_the_seed():
    assert engine.chunk_seeds(3, 4)[:2] == engine.chunk_seeds(3, 2)
    assert engine.chunk_seeds(3, 2) != engine.chunk_seeds(4, 2)
    assert engine.plan_chunks(1000, 100, "ancova", None) == [500, 500]
    assert engine.plan_chunks(1000, 100, "mmrm", None) == [150] * 6 + [100]
    assert engine.plan_chunks(10, 100, "ancova", 4) == [4, 4, 2]


@pytest.mark.parametrize("bad", ["dask://", "spark://x:1", 0, True, object()])
def test_bad_executors_are_clear_errors(bad):
    with pytest.raises(AnalysisError, match="executor|worker|dask"):
        ks.design.power("orthotics", 25, executor=bad, **KW)


def test_unreachable_scheduler_is_a_clear_error(monkeypatch):
    from kneestudy.design import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 2.0)
    with pytest.raises(AnalysisError, match="cannot reach"):
        with executors.executor_for("dask://127.0.0.1:1", 2):
            pass
