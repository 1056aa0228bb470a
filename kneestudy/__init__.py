"""kneestudy: clinical research on runner's knee (patellofemoral pain).

Validated ingest of trial cohorts, effect sizes, time-to-pain-free curves,
meta-analysis and a comparison of eight popular ideas for runner's knee.

``import kneestudy`` is light: statistics, plotting and reporting modules load
on first use (``ks.effects``, ``ks.survival``, ``ks.meta``, ``ks.report`` …).

>>> import kneestudy as ks
>>> len(ks.IDEAS)
8
"""

from __future__ import annotations

import importlib
from typing import Any

from kneestudy.interventions import COMPARATORS, IDEAS, Idea

__version__ = "0.1.0"

# name -> (module, attribute or None for the module itself)
_LAZY: dict[str, tuple[str, str | None]] = {
    "Cohort": ("kneestudy.ingest.model", "Cohort"),
    "Manifest": ("kneestudy.ingest.model", "Manifest"),
    "Study": ("kneestudy.ingest.model", "Study"),
    "load_cohort": ("kneestudy.ingest", "load_cohort"),
    "load_study": ("kneestudy.ingest", "load_study"),
    "validate": ("kneestudy.ingest", "validate"),
    "ValidationReport": ("kneestudy.ingest", "ValidationReport"),
    "ValidationError": ("kneestudy.errors", "ValidationError"),
    "compare_ideas": ("kneestudy.compare", "compare_ideas"),
    "datasets": ("kneestudy.datasets", None),
    "simulate": ("kneestudy.simulate", None),
    "effects": ("kneestudy.effects", None),
    "survival": ("kneestudy.survival", None),
    "meta": ("kneestudy.meta", None),
    "compare": ("kneestudy.compare", None),
    "design": ("kneestudy.design", None),
    "plots": ("kneestudy.plots", None),
    "report": ("kneestudy.report", None),
    "schemas": ("kneestudy.schemas", None),
    "ingest": ("kneestudy.ingest", None),
}

__all__ = ["COMPARATORS", "IDEAS", "Idea", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'kneestudy' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
