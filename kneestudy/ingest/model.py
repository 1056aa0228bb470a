"""The data model: a cohort manifest, a cohort of individual data, a study.

These are plain containers. Reading and validating them lives in
:mod:`kneestudy.ingest` (``load_cohort``, ``validate``, ``load_study``);
the simulator builds them directly.

Canonical column dtypes after ingest (the same for simulated cohorts):

================  ===========================================================
participants      participant_id, arm, intervention: object (str);
                  randomized_on: datetime64[ns] (NaT when missing);
                  age, bmi, symptom_months, weekly_km, withdrawal_week: float64;
                  sex: category [female, male, other];
                  squat_test: category [pass, fail]
visits            participant_id: object; week, pain, akps, adherence: float64;
                  grc: Int64 (nullable); optional condition: object
                  (crossover designs: the code in force at that visit)
adverse_events    participant_id, term: object; week: float64;
                  severity: category [mild, moderate, severe]; serious: bool;
                  related: boolean (nullable)
events            participant_id, endpoint: object; time_weeks,
                  interval_low_weeks: float64; observed: bool
================  ===========================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import pandas as pd

from kneestudy.interventions import idea_of, label_of

__all__ = ["CONTRAST_COLUMNS", "Cohort", "Manifest", "Study", "TABLES", "toml_dumps"]

#: Table names of a cohort, in the order they are read and reported.
TABLES: tuple[str, ...] = ("participants", "visits", "adverse_events", "events")
#: Tables a cohort must have.
REQUIRED_TABLES: tuple[str, ...] = ("participants", "visits")
#: Study-level (literature) tables.
STUDY_TABLES: tuple[str, ...] = ("arm_summaries", "contrasts", "studies")
#: Columns of a contrasts table produced from a cohort (DESIGN's ``contrasts``
#: format plus the optional ``population`` and ``risk_of_bias``), in order.
CONTRAST_COLUMNS: tuple[str, ...] = (
    "study_id",
    "treatment",
    "comparator",
    "outcome",
    "week",
    "measure",
    "estimate",
    "se",
    "n_treatment",
    "n_comparator",
    "source",
    "population",
    "risk_of_bias",
)


@dataclass(frozen=True)
class Manifest:
    """A cohort's ``cohort.toml``.

    Attributes follow DESIGN.md. ``codes`` holds intervention codes the cohort
    declares beyond the registry (code -> label). ``population`` names the
    condition studied, for indirectness ("patellofemoral pain" unless said).
    ``seed`` records the simulator seed of a synthetic cohort.
    """

    cohort_id: str
    title: str
    design: str = "parallel"
    comparator: str | None = None
    primary_outcome: str = "pain"
    primary_week: float = 12.0
    visit_weeks: tuple[float, ...] = (0.0,)
    risk_of_bias: str = "some_concerns"
    source: str = "synthetic"
    tables: Mapping[str, str] = field(
        default_factory=lambda: {"participants": "participants.csv", "visits": "visits.csv"}
    )
    codes: Mapping[str, str] = field(default_factory=dict)
    population: str = "patellofemoral pain"
    seed: int | None = None
    description: str = ""

    @property
    def is_synthetic(self) -> bool:
        """True for simulated data (``source = "synthetic"``)."""
        return self.source.strip().lower() == "synthetic"

    def to_dict(self) -> dict[str, Any]:
        """The manifest as TOML-ready dict (empty optional fields left out)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v is None or (f.name in ("codes", "description") and not v):
                continue
            if f.name == "visit_weeks":
                v = [_plain_number(w) for w in v]
            elif f.name == "primary_week":
                v = _plain_number(v)
            elif isinstance(v, Mapping):
                v = dict(v)
            out[f.name] = v
        return out

    def to_toml(self) -> str:
        """Serialise as ``cohort.toml`` text."""
        return toml_dumps(self.to_dict())


def _plain_number(x: float) -> int | float:
    """Whole floats as ints for readable TOML (``12`` rather than ``12.0``)."""
    x = float(x)
    return int(x) if x.is_integer() else x


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            raise ValueError("TOML output of NaN or infinity is not supported")
        return repr(v)
    if isinstance(v, str):
        escaped = (
            v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        )
        return f'"{escaped}"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def toml_dumps(data: Mapping[str, Any]) -> str:
    """Minimal TOML writer for manifests: scalars, arrays and one level of tables."""
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, Any]]] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for key, table in tables:
        lines.append("")
        lines.append(f"[{key}]")
        for k, v in table.items():
            bare = k.replace("_", "").replace("-", "").isalnum()
            lines.append(f"{k if bare else _toml_value(k)} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"


@dataclass(eq=False)
class Cohort:
    """One trial (or single-arm cohort) of individual participant data.

    Attributes
    ----------
    manifest : Manifest
    participants, visits : DataFrame
        Required tables, canonical dtypes (module docstring).
    adverse_events, events : DataFrame or None
        Optional tables.
    path : Path or None
        Folder the cohort was read from.
    report : ValidationReport or None
        The validation report of the load (None for a simulated cohort).
    truth : mapping or None
        For simulated cohorts, the true parameters the data were drawn from.
    """

    manifest: Manifest
    participants: pd.DataFrame
    visits: pd.DataFrame
    adverse_events: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    path: Path | None = None
    report: Any = None
    truth: Mapping[str, Any] | None = None

    # -- convenience -------------------------------------------------------
    @property
    def cohort_id(self) -> str:
        return self.manifest.cohort_id

    @property
    def title(self) -> str:
        return self.manifest.title

    @property
    def comparator(self) -> str | None:
        return self.manifest.comparator

    @property
    def is_synthetic(self) -> bool:
        return self.manifest.is_synthetic

    @property
    def arms(self) -> pd.DataFrame:
        """One row per arm: arm, intervention, idea (or None), label, n.

        Arms are ordered with the comparator last, the others as first seen.
        """
        p = self.participants
        g = p.groupby(["arm", "intervention"], sort=False, observed=True).size()
        out = g.rename("n").reset_index()
        out["idea"] = [idea_of(c) for c in out["intervention"]]
        out["label"] = [label_of(c, self.manifest.codes) for c in out["intervention"]]
        out["is_comparator"] = out["intervention"] == self.comparator
        out = out.sort_values("is_comparator", kind="stable").reset_index(drop=True)
        return out[["arm", "intervention", "idea", "label", "n", "is_comparator"]]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name."""
        out = {"participants": self.participants, "visits": self.visits}
        if self.adverse_events is not None:
            out["adverse_events"] = self.adverse_events
        if self.events is not None:
            out["events"] = self.events
        return out

    def long(self, outcome: str | None = None) -> pd.DataFrame:
        """Visits joined with each participant's arm, intervention and covariates.

        With ``outcome`` given, adds ``baseline`` (the week-0 value of that
        outcome) and ``change`` (value − baseline).
        """
        keep = [
            c
            for c in (
                "participant_id",
                "arm",
                "intervention",
                "age",
                "sex",
                "bmi",
                "symptom_months",
                "weekly_km",
                "squat_test",
                "withdrawal_week",
            )
            if c in self.participants.columns
        ]
        out = self.visits.merge(self.participants[keep], on="participant_id", how="left")
        if outcome is not None:
            base = self.visits.loc[self.visits["week"] == 0, ["participant_id", outcome]]
            base = base.rename(columns={outcome: "baseline"})
            out = out.merge(base, on="participant_id", how="left")
            out["change"] = out[outcome] - out["baseline"]
        return out

    def with_tables(self, **tables: pd.DataFrame | None) -> Cohort:
        """A copy with some tables replaced."""
        return replace(self, **tables)

    # -- output ------------------------------------------------------------
    def write(self, path: str | Path) -> Path:
        """Write the cohort as a folder (``cohort.toml`` and CSV tables).

        Floats are written at full precision, so :func:`kneestudy.load_cohort`
        of the folder gives back equal tables. Returns the folder path.
        """
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        names = {name: f"{name}.csv" for name in self.tables()}
        manifest = replace(self.manifest, tables=names)
        for name, frame in self.tables().items():
            write_csv(frame, folder / names[name])
        (folder / "cohort.toml").write_text(manifest.to_toml(), encoding="utf-8")
        return folder

    def __repr__(self) -> str:
        n = len(self.participants)
        kind = "synthetic" if self.is_synthetic else self.manifest.source
        return (
            f"Cohort({self.cohort_id!r}, {n} participants, {len(self.visits)} visits, "
            f"arms={list(self.arms['arm'])}, {kind})"
        )


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as UTF-8 CSV with full float precision and ISO dates."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, lineterminator="\n", date_format="%Y-%m-%d")


@dataclass(eq=False)
class Study:
    """A study folder: ``study.toml``, cohorts, and literature tables.

    Attributes
    ----------
    study_id, title : str
    cohorts : list of Cohort
    arm_summaries, contrasts : DataFrame
        Study-level data (published or from other teams); empty when absent.
    studies : DataFrame
        One row per published study (citation, risk of bias by RoB 2
        domain), from ``literature/studies.csv``; empty when absent.
    path : Path or None
    report : ValidationReport or None
        Validation of every file of the study.
    metadata : mapping
        Further fields of ``study.toml``.
    """

    study_id: str
    title: str
    cohorts: list[Cohort] = field(default_factory=list)
    arm_summaries: pd.DataFrame = field(default_factory=pd.DataFrame)
    contrasts: pd.DataFrame = field(default_factory=pd.DataFrame)
    studies: pd.DataFrame = field(default_factory=pd.DataFrame)
    path: Path | None = None
    report: Any = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def cohort(self, cohort_id: str) -> Cohort:
        """The cohort with this id (KeyError naming the ids there are)."""
        for c in self.cohorts:
            if c.cohort_id == cohort_id:
                return c
        raise KeyError(
            f"no cohort {cohort_id!r} in study {self.study_id!r}; "
            f"cohorts: {[c.cohort_id for c in self.cohorts]}"
        )

    def write(self, path: str | Path) -> Path:
        """Write the study as a folder (``study.toml``, ``cohorts/``, ``literature/``)."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        meta: dict[str, Any] = {"study_id": self.study_id, "title": self.title}
        meta.update({k: v for k, v in self.metadata.items() if k not in meta})
        for cohort in self.cohorts:
            cohort.write(folder / "cohorts" / cohort.cohort_id)
        lit = folder / "literature"
        for name in STUDY_TABLES:
            frame = getattr(self, name)
            if frame is not None and len(frame.columns):
                lit.mkdir(exist_ok=True)
                write_csv(frame, lit / f"{name}.csv")
        (folder / "study.toml").write_text(toml_dumps(meta), encoding="utf-8")
        return folder

    def __repr__(self) -> str:
        return (
            f"Study({self.study_id!r}, {len(self.cohorts)} cohorts, "
            f"{len(self.contrasts)} published contrasts, {len(self.arm_summaries)} arm summaries)"
        )
