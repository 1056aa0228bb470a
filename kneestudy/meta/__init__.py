"""Meta-analysis: pooling, diagnostics, moderators, small-study bias, networks.

One module per family:

- :mod:`kneestudy.meta.pool` — ``pool`` (FE, DL, REML, ML, PM, SJ, HE, EB; HKSJ)
- :mod:`kneestudy.meta.diagnostics` — ``leave1out``, ``influence``
- :mod:`kneestudy.meta.moderators` — ``subgroup``, ``metareg``
- :mod:`kneestudy.meta.bias` — ``regtest`` (Egger), ``trimfill``
- :mod:`kneestudy.meta.pairwise` — ``pairwise`` (arm level to contrasts)
- :mod:`kneestudy.meta.network` — ``network`` (graph-theoretical NMA)
- :mod:`kneestudy.meta.components` — ``component_network`` (additive component NMA)
- :mod:`kneestudy.meta.inconsistency` — ``design_by_treatment``, ``node_split``

The functions are bound here explicitly, after their modules are imported:
a submodule named like its function (``pool``, ``pairwise``, ``network``)
would otherwise shadow the function as a package attribute once imported.
``import kneestudy`` does not load this package; ``ks.meta`` does, on first use.
"""

from __future__ import annotations

from kneestudy.meta.bias import RegtestResult, TrimfillResult, regtest, trimfill
from kneestudy.meta.components import AdditivityTest, ComponentNetworkResult, component_network
from kneestudy.meta.diagnostics import InfluenceResult, Leave1OutResult, influence, leave1out
from kneestudy.meta.inconsistency import DesignByTreatmentResult, design_by_treatment, node_split
from kneestudy.meta.moderators import MetaRegResult, SubgroupResult, metareg, subgroup
from kneestudy.meta.network import NetworkResult, network
from kneestudy.meta.pairwise import pairwise
from kneestudy.meta.pool import PoolResult, pool

__all__ = [
    "AdditivityTest",
    "ComponentNetworkResult",
    "DesignByTreatmentResult",
    "InfluenceResult",
    "Leave1OutResult",
    "MetaRegResult",
    "NetworkResult",
    "PoolResult",
    "RegtestResult",
    "SubgroupResult",
    "TrimfillResult",
    "component_network",
    "design_by_treatment",
    "influence",
    "leave1out",
    "metareg",
    "network",
    "node_split",
    "pairwise",
    "pool",
    "regtest",
    "subgroup",
    "trimfill",
]
