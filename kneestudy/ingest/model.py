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

from kneestudy.interventions import idea_of, intervention_label, label_of, split_codes

__all__ = [
    "CONTRAST_COLUMNS",
    "MAPPING_FIELDS",
    "Cohort",
    "Manifest",
    "Study",
    "StudyManifest",
    "TABLES",
    "synthetic_rows",
    "toml_dumps",
]

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


#: Manifest fields that map a researcher's files onto the data model (applied at ingest).
MAPPING_FIELDS: tuple[str, ...] = ("columns", "values", "weeks", "wide", "format")


@dataclass(frozen=True)
class Manifest:
    """A cohort's ``cohort.toml``.

    Attributes follow DESIGN.md. ``codes`` holds intervention codes the cohort
    declares beyond the registry (code -> label); ``code_ideas`` the idea a
    declared code belongs to (code -> idea code; empty when none is said).
    ``population`` names the condition studied, for indirectness
    ("patellofemoral pain" unless said). ``seed`` records the simulator seed
    of a synthetic cohort. ``columns``, ``values``, ``weeks``, ``wide`` and
    ``format`` are the mapping of the files onto the data model
    (:mod:`kneestudy.schemas.mapping`); a cohort read from files holds the
    mapped data, so :meth:`without_mapping` is what is written back.
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
    code_ideas: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    weeks: Mapping[str, float] = field(default_factory=dict)
    wide: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    format: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def is_synthetic(self) -> bool:
        """True for simulated data (``source = "synthetic"``)."""
        return self.source.strip().lower() == "synthetic"

    @property
    def has_mapping(self) -> bool:
        """True when any mapping section is given."""
        return any(getattr(self, name) for name in MAPPING_FIELDS)

    def without_mapping(self) -> Manifest:
        """The same manifest with no mapping (for data already in the data model's terms)."""
        return replace(self, **{name: {} for name in MAPPING_FIELDS})

    def to_dict(self) -> dict[str, Any]:
        """The manifest as TOML-ready dict (empty optional fields left out)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "code_ideas":
                continue  # written inside [codes]
            if v is None or (f.name in ("codes", "description", *MAPPING_FIELDS) and not v):
                continue
            if f.name == "visit_weeks":
                v = [_plain_number(w) for w in v]
            elif f.name == "primary_week":
                v = _plain_number(v)
            elif f.name == "codes":
                v = {
                    k: {"label": lab, "idea": self.code_ideas[k]} if k in self.code_ideas else lab
                    for k, lab in v.items()
                }
            elif f.name == "weeks":
                v = {k: _plain_number(w) for k, w in v.items()}
            elif isinstance(v, Mapping):
                v = _plain_dict(v)
            out[f.name] = v
        return out

    def to_toml(self) -> str:
        """Serialise as ``cohort.toml`` text."""
        return toml_dumps(self.to_dict())


def _plain_dict(v: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain_dict(x) if isinstance(x, Mapping) else x for k, x in v.items()}


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
        escaped = "".join(
            c if ord(c) >= 32 and ord(c) != 127 else f"\\u{ord(c):04x}" for c in escaped
        )
        return f'"{escaped}"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, Mapping):  # inline table
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _toml_key(k: str) -> str:
    bare = bool(k) and k.replace("_", "").replace("-", "").isalnum() and k.isascii()
    return k if bare else _toml_value(k)


def toml_dumps(data: Mapping[str, Any]) -> str:
    """Minimal TOML writer for manifests: scalars, arrays, inline tables and nested tables.

    A table whose values are all tables is written as ``[a.b]`` sections
    (``[columns.visits]``, ``[values.participants.sex]``); ``[codes]`` entries
    that are tables are written inline (``my_brace = { label = "...", idea = "..." }``).
    """
    lines: list[str] = []
    sections: list[tuple[str, Mapping[str, Any]]] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            sections.append((_toml_key(key), value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    _sections(lines, sections)
    return "\n".join(lines) + "\n"


def _sections(lines: list[str], sections: list[tuple[str, Mapping[str, Any]]]) -> None:
    for name, table in sections:
        nested = bool(table) and all(isinstance(v, Mapping) for v in table.values())
        if nested and not name.endswith("codes"):
            _sections(lines, [(f"{name}.{_toml_key(k)}", v) for k, v in table.items()])
            continue
        lines.append("")
        lines.append(f"[{name}]")
        for k, v in table.items():
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")


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
        """One row per arm: arm, intervention, idea (or None), label, display, n, is_comparator.

        Arms are ordered with the comparator last, the others as first seen.
        Analyses identify an arm by its ``intervention`` code; ``display`` is
        the label to show, unique per code (:func:`display_labels`). ``idea``
        follows the manifest's ``code_ideas`` for declared codes.
        """
        p = self.participants
        g = p.groupby(["arm", "intervention"], sort=False, observed=True, dropna=False).size()
        out = g.rename("n").reset_index()
        ideas = dict(getattr(self.manifest, "code_ideas", {}) or {})
        out["idea"] = [code_idea(c, ideas) for c in out["intervention"]]
        out["label"] = [label_of(c, self.manifest.codes) for c in out["intervention"]]
        out["is_comparator"] = out["intervention"] == self.comparator
        out = out.sort_values("is_comparator", kind="stable").reset_index(drop=True)
        shown = display_labels(out, self.manifest.codes)
        out["display"] = [shown.get(c, str(c)) for c in out["intervention"]]
        return out[["arm", "intervention", "idea", "label", "display", "n", "is_comparator"]]

    def display_labels(self) -> dict[str, str]:
        """Intervention code -> a label to show, unique within the cohort (see :func:`display_labels`)."""
        return display_labels(self.arms, self.manifest.codes)

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
        # the tables are written in the data model's terms: no mapping applies to them
        manifest = replace(self.manifest.without_mapping(), tables=names)
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


def code_idea(code: str, code_ideas: Mapping[str, str] | None = None) -> str | None:
    """The idea an arm code tests: :func:`~kneestudy.interventions.idea_of`, or for a
    declared code the idea the manifest's ``[codes]`` gives it (``code_ideas``)."""
    found = idea_of(code)
    if found is not None or not code_ideas:
        return found
    for part in split_codes(code):
        if part in code_ideas:
            return code_ideas[part]
    return None


def synthetic_rows(frame: pd.DataFrame | None) -> pd.Series:
    """True for each literature row whose ``source`` is ``"synthetic"`` (simulated, as a
    cohort manifest's :attr:`Manifest.is_synthetic`); False where the table has no source."""
    if frame is None or "source" not in frame:
        return pd.Series(False, index=getattr(frame, "index", None), dtype=bool)
    return frame["source"].astype(str).str.strip().str.lower().eq("synthetic")


def _norm_label(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def display_labels(arms: pd.DataFrame, codes: Mapping[str, str] | None = None) -> dict[str, str]:
    """Intervention code -> the label to show for it, unique within the arms given.

    Analyses identify arms by intervention code; people read labels. This is
    the one rule for arm names everywhere (analyses, tables, plots). The label
    of a code is its arm label when the code has exactly one that the data
    chose (not the code itself or its registry label); otherwise — no label, an
    automatic one, or several (a crossover's codes, shared by its sequences) —
    the code's readable label (:func:`kneestudy.interventions.intervention_label`:
    "Glute + quadriceps strengthening"). When two codes would show the same
    text (compared without case or repeated spaces), each gets its code's
    readable label in brackets (``"Brace (Knee brace)"``, ``"Brace (Custom
    patellar brace)"``) and, if that still collides or says nothing new, the
    code itself (``"Brace [my_brace]"``).

    Parameters
    ----------
    arms : DataFrame
        With columns ``arm`` and ``intervention`` (e.g. :attr:`Cohort.arms`).
    codes : mapping, optional
        Declared codes (code -> label), for the registry labels of declared codes.

    Examples
    --------
    >>> import pandas as pd
    >>> arms = pd.DataFrame({"arm": ["Brace", "Brace"],
    ...                      "intervention": ["knee_brace", "usual_care"]})
    >>> display_labels(arms)
    {'knee_brace': 'Brace (Knee brace)', 'usual_care': 'Brace (Usual care)'}
    """
    codes = codes or {}
    base: dict[str, str] = {}
    for code in dict.fromkeys(arms["intervention"].dropna().astype(str)):
        labels = {
            str(a).strip()
            for a in arms.loc[arms["intervention"].astype(str) == code, "arm"]
            if isinstance(a, str) and a.strip()
        }
        readable = intervention_label(code, codes)
        auto = {code, label_of(code, codes), readable}
        base[code] = labels.pop() if len(labels) == 1 and not labels & auto else readable
    out = dict(base)
    for step in ("label", "code"):
        seen: dict[str, list[str]] = {}
        for code, text in out.items():
            seen.setdefault(_norm_label(text), []).append(code)
        clashes = [c for group in seen.values() if len(group) > 1 for c in group]
        if not clashes:
            break
        for code in clashes:
            if step == "label":
                what = intervention_label(code, codes)
                same = _norm_label(what) == _norm_label(base[code])
                out[code] = f"{base[code]} [{code}]" if same else f"{base[code]} ({what})"
            else:
                out[code] = f"{out[code]} [{code}]"
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as UTF-8 CSV with full float precision and ISO dates."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, lineterminator="\n", date_format="%Y-%m-%d")


@dataclass(frozen=True)
class StudyManifest:
    """A study's ``study.toml``: id, title, declared codes and the other fields.

    ``codes`` maps declared codes to labels and ``code_ideas`` declared codes
    to the idea they belong to (empty when none is said), as on a cohort's
    :class:`Manifest`.
    """

    study_id: str
    title: str
    codes: Mapping[str, str] = field(default_factory=dict)
    code_ideas: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)


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

    @property
    def manifest(self) -> StudyManifest:
        """The study's manifest; declared ``codes`` read from ``metadata["codes"]``."""
        from kneestudy.schemas.manifest import check_study_manifest

        raw = self.metadata.get("codes") if isinstance(self.metadata, Mapping) else None
        codes: dict[str, str] = {}
        ideas: dict[str, str] = {}
        if isinstance(raw, Mapping):
            checked, _ = check_study_manifest({"study_id": "x", "title": "x", "codes": raw})
            if checked is not None:
                codes, ideas = checked["codes"], checked["code_ideas"]
        return StudyManifest(self.study_id, self.title, codes, ideas, dict(self.metadata))

    @property
    def code_ideas(self) -> dict[str, str]:
        """Declared code -> idea, from ``study.toml`` and every cohort's manifest."""
        out = dict(self.manifest.code_ideas)
        for c in self.cohorts:
            out.update(getattr(c.manifest, "code_ideas", {}) or {})
        return out

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
        def kind(frame: pd.DataFrame) -> str:
            return "synthetic" if len(frame) and synthetic_rows(frame).all() else "literature"

        return (
            f"Study({self.study_id!r}, {len(self.cohorts)} cohorts, "
            f"{len(self.contrasts)} {kind(self.contrasts)} contrasts, "
            f"{len(self.arm_summaries)} {kind(self.arm_summaries)} arm summaries)"
        )
