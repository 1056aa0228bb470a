"""Planning the next trial: power and sample size by simulation.

- :func:`power` — power of a two-arm trial of an idea, with its Monte Carlo
  interval, bias, coverage and the type-I error under the null (``effect=0``).
- :func:`power_curve` — power over a grid of sample sizes (common random
  numbers); plot with :func:`kneestudy.plots.power_curve`.
- :func:`sample_size` — the smallest n per arm reaching a target power.
- :func:`planning` — the power curve of a study's primary analysis at the
  idea's pooled effect (the planning section of a report).
- :mod:`~kneestudy.design.closed_form` — ``power.t.test``, ANCOVA, Schoenfeld
  and two-proportion formulas.

Replicates are simulated in chunks (one large cohort each, dealt out into
trials) and analysed by vectorised estimators that give the numbers of
kneestudy's single-trial ones. Chunks run on any
:class:`concurrent.futures.Executor`: by default a local process pool over all
cores; a Dask cluster with ``executor=client.get_executor()`` or
``executor="dask://HOST:PORT"``. Seeds are spawned per chunk, so the same
seed gives the same numbers on any executor and any number of workers.

On a Dask cluster, start the workers with glibc's own memory thresholds
raised: Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536``, which also fixes
the mmap threshold, so every large temporary array of a chunk is mapped and
unmapped afresh. With both thresholds at 128 MiB a worker ran this workload
in 11.5 s instead of 19.5 s (``tests/benchmarks/test_bench_design.py``)::

    dask.config.set({"distributed.nanny.pre-spawn-environ": {
        "MALLOC_TRIM_THRESHOLD_": "134217728", "MALLOC_MMAP_THRESHOLD_": "134217728",
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}})

(before the cluster is created; a worker started by hand takes the same as
environment variables). The numbers do not change, only the time.

Examples
--------
>>> import kneestudy as ks
>>> res = ks.design.power("orthotics", 60, effect=-1.0, reps=200, executor="serial")
>>> res.analysis, res.n_per_arm
('ancova', 60)
"""

from __future__ import annotations

from kneestudy.design.closed_form import (
    power_ancova,
    power_logrank,
    power_ttest,
    power_two_proportions,
)
from kneestudy.design.engine import ANALYSES
from kneestudy.design.planning import planning
from kneestudy.design.power import power, power_curve, sample_size
from kneestudy.design.results import (
    PlanningResult,
    PowerCurveResult,
    PowerResult,
    SampleSizeResult,
)

__all__ = [
    "ANALYSES",
    "PlanningResult",
    "PowerCurveResult",
    "PowerResult",
    "SampleSizeResult",
    "planning",
    "power",
    "power_ancova",
    "power_curve",
    "power_logrank",
    "power_ttest",
    "power_two_proportions",
    "sample_size",
]
