"""Where the chunks of a simulation run: in process, a local process pool, or Dask.

:func:`executor_for` turns the ``executor=`` argument of
:func:`kneestudy.design.power` (and friends) into a
:class:`concurrent.futures.Executor`:

=============================  ==============================================
``None``                       a local process pool over all cores (in process
                               when there is a single chunk)
``"serial"``                   in this process, one chunk after another
an int ``k``                   a local process pool of ``k`` workers
``"dask://HOST:PORT"``         a Dask cluster: ``distributed.Client`` on the
                               scheduler at ``tcp://HOST:PORT`` (also
                               ``"tcp://HOST:PORT"``), closed afterwards
any ``Executor``               used as given, e.g. ``client.get_executor()``
                               of a ``dask.distributed.Client``; not shut down
=============================  ==============================================

Results never depend on the executor: chunks are fixed by the number of
replicates and each chunk's seed is spawned from the user's seed
(:class:`numpy.random.SeedSequence`), so any executor and any number of
workers gives the same numbers. ``dask.distributed`` is imported only for a
``dask://`` address.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any

from kneestudy.errors import AnalysisError

__all__ = ["CONNECT_TIMEOUT", "describe", "executor_for", "run_tasks"]

#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 30.0


@contextmanager
def executor_for(executor: Any, n_tasks: int) -> Iterator[tuple[Executor | None, str]]:
    """``(executor or None for in-process, description)``; owned executors are closed."""
    if executor is None:
        workers = min(os.cpu_count() or 1, max(1, n_tasks))
        if workers <= 1:
            yield None, "in process"
            return
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool, f"local process pool ({workers} workers)"
        return
    if isinstance(executor, str) and executor == "serial":
        yield None, "in process"
        return
    if isinstance(executor, bool):
        raise AnalysisError(f"executor must be None, 'serial', a worker count, a dask:// address "
                            f"or a concurrent.futures.Executor, got {executor!r}")  # fmt: skip
    if isinstance(executor, int):
        if executor < 1:
            raise AnalysisError(f"a process pool needs at least 1 worker, got {executor}")
        with ProcessPoolExecutor(max_workers=executor) as pool:
            yield pool, f"local process pool ({executor} workers)"
        return
    if isinstance(executor, str):
        address = _dask_address(executor)
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            raise AnalysisError(
                "a dask:// executor needs dask.distributed (pip install 'dask[distributed]')"
            ) from exc
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise AnalysisError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        try:
            yield client.get_executor(), f"dask cluster at {address}"
        finally:
            client.close()
        return
    if isinstance(executor, Executor):
        yield executor, describe(executor)
        return
    raise AnalysisError(
        f"executor must be None, 'serial', a worker count, a 'dask://HOST:PORT' address or a "
        f"concurrent.futures.Executor, got {type(executor).__name__}"
    )


def _dask_address(text: str) -> str:
    for prefix in ("dask://", "tcp://"):
        if text.startswith(prefix):
            rest = text[len(prefix) :]
            if not rest or ":" not in rest:
                break
            return f"tcp://{rest}"
    raise AnalysisError(
        f"unknown executor {text!r}: use 'serial', 'dask://HOST:PORT' or 'tcp://HOST:PORT'"
    )


def describe(executor: Executor) -> str:
    """A short text naming an executor (for the result's ``executor`` field)."""
    name = type(executor).__name__
    if name == "ClientExecutor":
        client = getattr(executor, "_client", None)
        address = getattr(getattr(client, "scheduler", None), "address", None)
        return f"dask cluster at {address}" if address else "dask cluster"
    workers = getattr(executor, "_max_workers", None)
    return f"{name} ({workers} workers)" if workers else name


def run_tasks(
    executor: Executor | None,
    fn: Callable[[Any], Any],
    tasks: Sequence[Any],
    progress: Callable[[int, int], None] | None = None,
) -> list[Any]:
    """Run ``fn`` on every task; results in task order, ``progress(done, total)`` as they end."""
    total = len(tasks)
    out: list[Any] = [None] * total
    if executor is None:
        for i, task in enumerate(tasks):
            out[i] = fn(task)
            if progress is not None:
                progress(i + 1, total)
        return out
    futures = {executor.submit(fn, task): i for i, task in enumerate(tasks)}
    try:
        for done, fut in enumerate(as_completed(futures), start=1):
            out[futures[fut]] = fut.result()
            if progress is not None:
                progress(done, total)
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    return out
