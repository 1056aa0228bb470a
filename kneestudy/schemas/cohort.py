"""pandera models of a cohort's tables: participants, visits, adverse events, events.

Column types, ranges and allowed values follow DESIGN.md. Only the keys and
what identifies an arm and a visit are required columns (participants:
``participant_id``, ``arm``, ``intervention``; visits: ``participant_id``,
``week`` and at least one outcome; adverse events: ``participant_id``,
``week``, ``term``, ``serious``; events: all but ``interval_low_weeks``).
Every other column (``Optional`` here) may be absent when a trial did not
record it: ingest reads it as all-missing and names it in the report's notes.
Rules pandera's
built-in checks cannot state (intervention codes, cross-table keys) are named
in each field's ``metadata["rules"]`` and enforced, vectorised, by
:mod:`kneestudy.ingest`, which also produces the canonical dtypes these models
declare. The models validate canonical frames directly::

    >>> from kneestudy.schemas import Participants
    >>> sorted(Participants.to_schema().columns)[:3]
    ['age', 'arm', 'bmi']
"""

# pandera reads Optional[...] as an optional column; keep the typing form.
# ruff: noqa: UP045
from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

__all__ = ["ID_PATTERN", "OUTCOME_COLUMNS", "AdverseEvents", "Events", "Participants", "Visits"]

#: Identifier pattern of participants, cohorts and studies.
ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
#: Outcome columns of ``visits``; a visits table must have at least one of them.
OUTCOME_COLUMNS: tuple[str, ...] = ("pain", "akps", "grc")


def _cat(values: list[str]) -> dict:
    return {"categories": values, "ordered": False}


class Participants(pa.DataFrameModel):
    """One row per participant (subject level, like CDISC ADSL)."""

    participant_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN,
        unique=True,
        description="Participant identifier, unique within the cohort.",
    )
    arm: Series[str] = pa.Field(
        description="Free arm label shown in reports; one label per intervention code "
        "(parallel and single-arm designs; in a crossover the arm is the sequence).",
        metadata={"rules": ["arm_label"]},
    )
    intervention: Series[str] = pa.Field(
        description="Registry code(s) of the arm; combined codes joined by '+'; "
        "codes declared in the manifest's [codes] table are accepted.",
        metadata={"rules": ["known_code"]},
    )
    randomized_on: Optional[Series[pa.typing.DateTime]] = pa.Field(
        nullable=True, description="Date of randomisation, ISO 8601 (YYYY-MM-DD)."
    )
    age: Optional[Series[float]] = pa.Field(
        nullable=True, ge=12, le=90, description="Age in years."
    )
    sex: Optional[Series[pd.CategoricalDtype]] = pa.Field(
        nullable=True,
        isin=["female", "male", "other"],
        dtype_kwargs=_cat(["female", "male", "other"]),
        description="Sex.",
    )
    bmi: Optional[Series[float]] = pa.Field(
        nullable=True, ge=12, le=60, description="Body-mass index, kg/m^2."
    )
    symptom_months: Optional[Series[float]] = pa.Field(
        nullable=True, ge=0, description="Duration of knee symptoms at entry, months."
    )
    weekly_km: Optional[Series[float]] = pa.Field(
        nullable=True, ge=0, description="Running volume before the trial, km per week."
    )
    squat_test: Optional[Series[pd.CategoricalDtype]] = pa.Field(
        nullable=True,
        isin=["pass", "fail"],
        dtype_kwargs=_cat(["pass", "fail"]),
        description="Single-leg half squat x5: fail = the knee moves inward.",
    )
    withdrawal_week: Optional[Series[float]] = pa.Field(
        nullable=True,
        ge=0,
        description="Week the participant withdrew; empty = completed the trial.",
    )

    class Config:
        name = "participants"
        strict = False


class Visits(pa.DataFrameModel):
    """One row per participant per visit (long format; week 0 = baseline)."""

    participant_id: Series[str] = pa.Field(
        description="Participant; must exist in participants. The table needs at least one "
        "outcome column (pain, akps or grc).",
        metadata={"rules": ["foreign_key", "baseline_required", "outcome_required"]},
    )
    week: Series[float] = pa.Field(
        ge=0,
        description="Weeks since randomisation; unique per participant; week 0 required; "
        "no visit after the participant's withdrawal week.",
        metadata={"rules": ["after_withdrawal"]},
    )
    pain: Optional[Series[float]] = pa.Field(
        nullable=True,
        ge=0,
        le=10,
        description="Worst pain when running in the past week, 0-10 numeric rating scale.",
    )
    akps: Optional[Series[float]] = pa.Field(
        nullable=True, ge=0, le=100, description="Anterior Knee Pain Scale (Kujala), 0-100."
    )
    grc: Optional[Series[pd.Int64Dtype]] = pa.Field(
        nullable=True,
        ge=1,
        le=7,
        description="Global rating of change, 1-7 (7 = completely recovered).",
    )
    adherence: Optional[Series[float]] = pa.Field(
        nullable=True, ge=0, le=1, description="Share of the prescribed dose done, 0-1."
    )
    condition: Optional[Series[str]] = pa.Field(
        nullable=True,
        description="Crossover designs: the intervention code in force at this visit "
        "(required when design = crossover).",
        metadata={"rules": ["known_code", "condition_required"]},
    )

    class Config:
        name = "visits"
        strict = False
        unique = ["participant_id", "week"]


class AdverseEvents(pa.DataFrameModel):
    """One row per adverse event."""

    participant_id: Series[str] = pa.Field(
        description="Participant; must exist in participants.",
        metadata={"rules": ["foreign_key"]},
    )
    week: Series[float] = pa.Field(ge=0, description="Week of onset.")
    term: Series[str] = pa.Field(description="Adverse-event term (free text or MedDRA term).")
    severity: Optional[Series[pd.CategoricalDtype]] = pa.Field(
        nullable=True,
        isin=["mild", "moderate", "severe"],
        dtype_kwargs=_cat(["mild", "moderate", "severe"]),
        description="Severity.",
    )
    serious: Series[bool] = pa.Field(description="Serious adverse event (true/false).")
    related: Optional[Series[pd.BooleanDtype]] = pa.Field(
        nullable=True, description="Related to the intervention (true/false; empty = unknown)."
    )

    class Config:
        name = "adverse_events"
        strict = False


class Events(pa.DataFrameModel):
    """Time-to-event data recorded directly (observed = true for an event)."""

    participant_id: Series[str] = pa.Field(
        description="Participant; must exist in participants.",
        metadata={"rules": ["foreign_key"]},
    )
    endpoint: Series[str] = pa.Field(
        str_matches=r"^[a-z][a-z0-9_]*$",
        description="Endpoint code, e.g. pain_free; one row per participant and endpoint.",
    )
    time_weeks: Series[float] = pa.Field(
        gt=0, description="Weeks to the event, or to censoring when observed is false."
    )
    observed: Series[bool] = pa.Field(
        description="True for an event, false for censoring (CDISC's CNSR runs the other way)."
    )
    interval_low_weeks: Optional[Series[float]] = pa.Field(
        nullable=True,
        ge=0,
        description="Last visit before the event (interval censoring); below time_weeks.",
        metadata={"rules": ["interval_order"]},
    )

    class Config:
        name = "events"
        strict = False
        unique = ["participant_id", "endpoint"]
