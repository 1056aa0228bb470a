"""Meta-analysis: pooling, diagnostics, moderators, small-study bias, networks.

Names load lazily from their modules (one module per family):

- :mod:`kneestudy.meta.pool` — ``pool`` (FE, DL, REML, ML, PM, SJ, HE, EB; HKSJ)
- :mod:`kneestudy.meta.diagnostics` — ``leave1out``, ``influence``
- :mod:`kneestudy.meta.moderators` — ``subgroup``, ``metareg``
- :mod:`kneestudy.meta.bias` — ``regtest`` (Egger), ``trimfill``
- :mod:`kneestudy.meta.pairwise` — ``pairwise`` (arm level to contrasts)
- :mod:`kneestudy.meta.network` — ``network`` (graph-theoretical NMA)
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "pool": "kneestudy.meta.pool",
    "PoolResult": "kneestudy.meta.pool",
    "leave1out": "kneestudy.meta.diagnostics",
    "influence": "kneestudy.meta.diagnostics",
    "subgroup": "kneestudy.meta.moderators",
    "metareg": "kneestudy.meta.moderators",
    "regtest": "kneestudy.meta.bias",
    "trimfill": "kneestudy.meta.bias",
    "Leave1OutResult": "kneestudy.meta.diagnostics",
    "InfluenceResult": "kneestudy.meta.diagnostics",
    "SubgroupResult": "kneestudy.meta.moderators",
    "MetaRegResult": "kneestudy.meta.moderators",
    "RegtestResult": "kneestudy.meta.bias",
    "TrimfillResult": "kneestudy.meta.bias",
    "pairwise": "kneestudy.meta.pairwise",
    "network": "kneestudy.meta.network",
    "NetworkResult": "kneestudy.meta.network",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'kneestudy.meta' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
