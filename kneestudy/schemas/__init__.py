"""Schemas of kneestudy's tables (pandera ``DataFrameModel``s) and of the manifest.

``SCHEMAS`` maps each table name to its model. The models declare the
canonical dtypes :mod:`kneestudy.ingest` produces, the ranges, allowed values
and patterns of DESIGN.md; rules across rows or tables are named in each
field's ``metadata["rules"]`` and enforced by the ingest validators.

>>> from kneestudy.schemas import SCHEMAS
>>> list(SCHEMAS)
['participants', 'visits', 'adverse_events', 'events', 'arm_summaries', 'contrasts', 'studies']
"""

from __future__ import annotations

from kneestudy.schemas.cohort import ID_PATTERN, AdverseEvents, Events, Participants, Visits
from kneestudy.schemas.literature import MEASURES, ArmSummaries, Contrasts, Studies
from kneestudy.schemas.manifest import (
    DESIGNS,
    MANIFEST_FIELDS,
    PRIMARY_OUTCOMES,
    RISK_OF_BIAS,
    ManifestField,
    check_manifest,
    check_study_manifest,
)
from kneestudy.schemas.spec import ColumnSpec, TableSpec, table_spec

__all__ = [
    "DESIGNS",
    "ID_PATTERN",
    "MANIFEST_FIELDS",
    "MEASURES",
    "PRIMARY_OUTCOMES",
    "RISK_OF_BIAS",
    "SCHEMAS",
    "AdverseEvents",
    "ArmSummaries",
    "ColumnSpec",
    "Contrasts",
    "Events",
    "ManifestField",
    "Participants",
    "Studies",
    "TableSpec",
    "Visits",
    "check_manifest",
    "check_study_manifest",
    "table_spec",
]

#: Table name -> pandera model, in report order.
SCHEMAS = {
    "participants": Participants,
    "visits": Visits,
    "adverse_events": AdverseEvents,
    "events": Events,
    "arm_summaries": ArmSummaries,
    "contrasts": Contrasts,
    "studies": Studies,
}
