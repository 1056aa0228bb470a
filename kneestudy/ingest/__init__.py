"""Ingest: read, validate and load cohorts and studies.

>>> import kneestudy as ks
>>> report = ks.validate("my-cohort")  # doctest: +SKIP

Public names: :func:`load_cohort`, :func:`load_study`, :func:`validate`,
:func:`validate_cohort`, :func:`read_table`, :func:`from_redcap` (a REDCap
export to a cohort folder), :class:`ValidationReport`, and the containers
:class:`Cohort`, :class:`Manifest`, :class:`Study`. A researcher's own
files are mapped onto the data model by the manifest
(:mod:`kneestudy.ingest.mapping`).
"""

from __future__ import annotations

from kneestudy.ingest.load import load_cohort, load_study, validate, validate_cohort
from kneestudy.ingest.model import Cohort, Manifest, Study
from kneestudy.ingest.readers import read_table
from kneestudy.ingest.redcap import from_redcap
from kneestudy.ingest.report import ValidationReport

__all__ = [
    "Cohort",
    "Manifest",
    "Study",
    "ValidationReport",
    "from_redcap",
    "load_cohort",
    "load_study",
    "read_table",
    "validate",
    "validate_cohort",
]
