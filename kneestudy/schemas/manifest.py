"""Field-by-field checks of a cohort's ``cohort.toml`` and a study's ``study.toml``.

:func:`check_manifest` never raises for bad content: it returns the
:class:`~kneestudy.ingest.model.Manifest` (or ``None`` when a field it needs
is unusable) and a list of failures, each a dict with ``column`` (the field),
``rule``, ``value`` and ``message``. The check that the comparator is an arm
of the cohort needs the participants and lives in :mod:`kneestudy.ingest`.

Declared codes take either form::

    [codes]
    yoga = "Yoga"                                            # code = label
    my_brace = { label = "Custom patellar brace", idea = "knee_brace" }

``idea`` (one of the eight, :data:`kneestudy.IDEAS`) makes the declared code a
component of that idea in the comparison; it is exposed as
``Manifest.code_ideas`` (declared code -> idea code). The mapping sections
(``[columns]``, ``[values]``, ``[weeks]``, ``[wide]``, ``[format]``) are
checked by :mod:`kneestudy.schemas.mapping`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from kneestudy.interventions import CODE_PATTERN, IDEAS, unknown_codes
from kneestudy.schemas import mapping as _mapping
from kneestudy.schemas.cohort import ID_PATTERN

__all__ = [
    "DESIGNS",
    "MANIFEST_FIELDS",
    "PRIMARY_OUTCOMES",
    "RISK_OF_BIAS",
    "SHEET_SUFFIXES",
    "STUDY_FIELDS",
    "ManifestField",
    "check_manifest",
    "check_study_manifest",
    "mapping_sections",
    "split_sheet",
]

DESIGNS = ("parallel", "single_arm", "crossover")
PRIMARY_OUTCOMES = ("pain", "akps", "recovered")
RISK_OF_BIAS = ("low", "some_concerns", "high")
#: Table keys a manifest's ``[tables]`` may name.
TABLE_KEYS = ("participants", "visits", "adverse_events", "events")
_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class ManifestField:
    """One field of a manifest, for checks and the data dictionary."""

    name: str
    type: str
    required: bool
    rule: str
    description: str


MANIFEST_FIELDS: tuple[ManifestField, ...] = (
    ManifestField("cohort_id", "str", True, "[A-Za-z0-9._-]{1,64}", "Cohort identifier."),
    ManifestField("title", "str", True, "non-empty", "Title of the trial or cohort."),
    ManifestField("design", "str", True, "parallel | single_arm | crossover", "Trial design."),
    ManifestField(
        "comparator",
        "str",
        False,
        "a known code and the intervention of an arm; required unless single_arm",
        "Intervention code of the control arm.",
    ),
    ManifestField("primary_outcome", "str", True, "pain | akps | recovered", "Primary outcome."),
    ManifestField("primary_week", "number", True, "one of visit_weeks", "Primary time point."),
    ManifestField(
        "visit_weeks",
        "array of numbers",
        True,
        "sorted, non-negative, distinct, contains 0",
        "Scheduled visit weeks.",
    ),
    ManifestField("risk_of_bias", "str", True, "low | some_concerns | high", "Risk of bias."),
    ManifestField("source", "str", True, "non-empty", "'synthetic' or a citation."),
    ManifestField(
        "tables",
        "table",
        True,
        "participants and visits required; relative paths inside the cohort folder",
        "File of each table (participants, visits, adverse_events, events).",
    ),
    ManifestField(
        "codes",
        "table",
        False,
        'code = "label" or code = { label = "...", idea = "<one of the eight>" }; '
        "codes [a-z][a-z0-9_]*",
        "Codes declared; `idea` makes the code a component of that idea in the comparison.",
    ),
    ManifestField(
        "population", "str", False, "default 'patellofemoral pain'", "Condition studied."
    ),
    ManifestField("seed", "integer", False, "", "Simulator seed of a synthetic cohort."),
    ManifestField("description", "str", False, "", "Free description."),
    ManifestField(
        "columns",
        "table of tables",
        False,
        '[columns.TABLE] our_column = "their column"',
        "Column names of your files mapped onto the data model, per table.",
    ),
    ManifestField(
        "values",
        "table of tables",
        False,
        '[values.TABLE.COLUMN] "their code" = "our value" ("" = missing)',
        "Value codes mapped onto the data model (e.g. 1 = female).",
    ),
    ManifestField(
        "weeks",
        "table",
        False,
        '"visit or event name" = week (finite, >= 0)',
        "Visit or event names of the week column mapped to weeks.",
    ),
    ManifestField(
        "wide",
        "table of tables",
        False,
        '[wide.visits] our_column = "their_column_{week}"',
        "A visits table with one row per participant, reshaped to one row per visit.",
    ),
    ManifestField(
        "format",
        "table of tables",
        False,
        "[format.TABLE] encoding, delimiter, decimal, thousands, date_format, "
        'time_zone = "utc", na_values',
        "How a table's file is written (by default: UTF-8, comma-separated, decimal point, "
        "ISO 8601 dates without a time zone).",
    ),
)

#: Excel files whose table path may name a sheet (``trial.xlsx#Visits``).
SHEET_SUFFIXES = (".xlsx", ".xlsm")

STUDY_FIELDS: tuple[ManifestField, ...] = (
    ManifestField("study_id", "str", True, "[A-Za-z0-9._-]{1,64}", "Study identifier."),
    ManifestField("title", "str", True, "non-empty", "Title of the study."),
    ManifestField("description", "str", False, "", "Free description."),
    ManifestField("source", "str", False, "", "Citation or origin."),
    ManifestField(
        "codes",
        "table",
        False,
        'code = "label" or code = { label = "...", idea = "<one of the eight>" }',
        "Codes declared for literature.",
    ),
)


class _Checker:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.failures: list[dict[str, Any]] = []

    def fail(self, column: str, rule: str, value: Any, message: str) -> None:
        self.failures.append(
            {"column": column, "rule": rule, "value": _show(value), "message": message}
        )

    def get(self, name: str, required: bool) -> Any:
        if name not in self.data:
            if required:
                self.fail(name, "missing_field", None, f"required field '{name}' is missing")
            return None
        return self.data[name]

    def string(self, name: str, required: bool = True, non_empty: bool = True) -> str | None:
        v = self.get(name, required)
        if v is None:
            return None
        if not isinstance(v, str):
            self.fail(name, "type", v, f"'{name}' must be a string, got {type(v).__name__}")
            return None
        if non_empty and not v.strip():
            self.fail(name, "not_empty", v, f"'{name}' must not be empty")
            return None
        return v

    def choice(self, name: str, allowed: tuple[str, ...], required: bool = True) -> str | None:
        v = self.string(name, required)
        if v is not None and v not in allowed:
            self.fail(name, "allowed_values", v, f"'{name}' must be one of {', '.join(allowed)}")
            return None
        return v

    def number(self, name: str, required: bool = True) -> float | None:
        v = self.get(name, required)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.fail(name, "type", v, f"'{name}' must be a number, got {type(v).__name__}")
            return None
        if not math.isfinite(v):
            self.fail(name, "finite", v, f"'{name}' must be a finite number, got {v}")
            return None
        return float(v)


def _show(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."


def split_sheet(rel: str) -> tuple[str, str | None]:
    """``"trial.xlsx#Visits"`` -> ``("trial.xlsx", "Visits")``; other paths have no sheet."""
    head, sep, sheet = rel.rpartition("#")
    if sep and head.lower().endswith(SHEET_SUFFIXES):
        return head, sheet
    return rel, None


def _path_problem(rel: str) -> str | None:
    """Why a table path would leave the cohort folder (None when it stays inside)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in rel):
        return "holds a control character (such as a NUL byte); give a plain file name"
    rel, sheet = split_sheet(rel)
    if sheet is not None and not sheet.strip():
        return "names an empty sheet after '#'"
    if not rel.strip():
        return "is empty"
    if PurePosixPath(rel).is_absolute() or PureWindowsPath(rel).is_absolute() or rel[:1] in "/\\":
        return "is absolute; give a path relative to the cohort folder"
    parts = re.split(r"[\\/]", rel)
    if ".." in parts:
        return "leaves the cohort folder ('..'); tables must be inside it"
    return None


def _codes(c: _Checker) -> tuple[dict[str, str], dict[str, str]]:
    """Declared codes: (code -> label, code -> idea for those that name one)."""
    raw = c.get("codes", False)
    if raw is None:
        return {}, {}
    if not isinstance(raw, Mapping):
        c.fail("codes", "type", raw, "'codes' must be a table of code = label")
        return {}, {}
    out: dict[str, str] = {}
    ideas: dict[str, str] = {}
    for code, entry in raw.items():
        field = f"codes.{code}"
        if not CODE_PATTERN.match(code) or "+" in code:
            c.fail(field, "pattern", code, f"declared code '{code}' must match [a-z][a-z0-9_]*")
            continue
        if isinstance(entry, str):
            out[code] = entry
            continue
        if not isinstance(entry, Mapping):
            c.fail(
                field,
                "type",
                entry,
                f'code \'{code}\' must be "label" or {{ label = "...", idea = "..." }}',
            )
            continue
        extra = sorted(set(entry) - {"label", "idea"})
        if extra:
            c.fail(
                field,
                "unknown_field",
                ", ".join(extra),
                f"code '{code}': unknown key(s) {', '.join(extra)}; keys: label, idea",
            )
        label = entry.get("label")
        if not isinstance(label, str) or not label.strip():
            c.fail(f"{field}.label", "type", label, f"code '{code}' needs a label (a string)")
            continue
        idea = entry.get("idea")
        if idea is not None:
            if not isinstance(idea, str) or idea not in IDEAS:
                hint = _mapping.suggest(str(idea), IDEAS)
                c.fail(
                    f"{field}.idea",
                    "known_idea",
                    idea,
                    f"idea '{idea}' of code '{code}' is not one of the eight ideas"
                    + (f" (did you mean '{hint[0]}'?)" if hint else "")
                    + f": {', '.join(IDEAS)}",
                )
                continue
            ideas[code] = idea
        out[code] = label
    return out, ideas


def check_manifest(data: Mapping[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    """Check a parsed ``cohort.toml``; return ``(Manifest or None, failures)``.

    Examples
    --------
    >>> m, failures = check_manifest({"cohort_id": "a b"})
    >>> m is None, failures[0]["rule"]
    (True, 'pattern')
    """
    from kneestudy.ingest.model import Manifest

    c = _Checker(data)
    cohort_id = c.string("cohort_id")
    if cohort_id is not None and not _ID.match(cohort_id):
        c.fail("cohort_id", "pattern", cohort_id, "cohort_id must match [A-Za-z0-9._-]{1,64}")
        cohort_id = None
    title = c.string("title")
    design = c.choice("design", DESIGNS)
    codes, code_ideas = _codes(c)
    comparator = c.string("comparator", required=False)
    if comparator is None and "comparator" not in data and design in ("parallel", "crossover"):
        c.fail(
            "comparator", "missing_field", None, f"'comparator' is required for a {design} design"
        )
    if comparator is not None and unknown_codes(comparator, codes):
        bad = ", ".join(repr(x) for x in unknown_codes(comparator, codes))
        c.fail("comparator", "known_code", comparator, f"comparator has unknown code(s) {bad}")
    primary_outcome = c.choice("primary_outcome", PRIMARY_OUTCOMES)
    primary_week = c.number("primary_week")
    weeks_raw = c.get("visit_weeks", True)
    weeks: tuple[float, ...] | None = None
    if weeks_raw is not None:
        if (
            not isinstance(weeks_raw, list)
            or not weeks_raw
            or any(isinstance(w, bool) or not isinstance(w, (int, float)) for w in weeks_raw)
        ):
            c.fail(
                "visit_weeks", "type", weeks_raw, "visit_weeks must be a non-empty array of numbers"
            )
        elif not all(math.isfinite(x) for x in weeks_raw):
            c.fail("visit_weeks", "finite", weeks_raw, "visit_weeks must be finite numbers")
        else:
            w = tuple(float(x) for x in weeks_raw)
            ok = True
            if any(x < 0 for x in w):
                c.fail("visit_weeks", "in_range", weeks_raw, "visit_weeks must be non-negative")
                ok = False
            if list(w) != sorted(w) or len(set(w)) != len(w):
                c.fail(
                    "visit_weeks", "sorted", weeks_raw, "visit_weeks must be sorted and distinct"
                )
                ok = False
            if 0.0 not in w:
                c.fail(
                    "visit_weeks",
                    "baseline_required",
                    weeks_raw,
                    "visit_weeks must contain 0 (baseline)",
                )
                ok = False
            weeks = w if ok else None
    if weeks is not None and primary_week is not None and primary_week not in weeks:
        c.fail(
            "primary_week",
            "primary_week_in_visits",
            data.get("primary_week"),
            f"primary_week {data.get('primary_week')} is not one of visit_weeks",
        )
    risk = c.choice("risk_of_bias", RISK_OF_BIAS)
    source = c.string("source")
    population = c.string("population", required=False)
    description = c.string("description", required=False, non_empty=False)
    seed = c.get("seed", False)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        c.fail("seed", "type", seed, "seed must be an integer")
        seed = None
    tables = _tables(c)
    columns = _mapping.check_columns(c)
    values = _mapping.check_values(c)
    weeks_map = _mapping.check_weeks(c)
    wide = _mapping.check_wide(c, columns)
    formats = _mapping.check_format(c, tables)
    names = [f.name for f in MANIFEST_FIELDS]
    for key in data:
        if key not in names:
            hint = _mapping.suggest(key, names)
            more = f"; did you mean '{hint[0]}'?" if hint else ""
            c.fail(key, "unknown_field", None, f"unknown manifest field '{key}'{more}")
    if any(f["rule"] != "unknown_field" for f in c.failures):
        return None, c.failures
    manifest = Manifest(
        cohort_id=cohort_id,
        title=title,
        design=design,
        comparator=comparator,
        primary_outcome=primary_outcome,
        primary_week=primary_week,
        visit_weeks=weeks,
        risk_of_bias=risk,
        source=source,
        tables=tables,
        codes=codes,
        population=population or "patellofemoral pain",
        seed=seed,
        description=description or "",
        code_ideas=code_ideas,
        columns=columns,
        values=values,
        weeks=weeks_map,
        wide=wide,
        format=formats,
    )
    return manifest, c.failures  # only unknown_field remarks remain


def _tables(c: _Checker) -> dict[str, str]:
    raw = c.get("tables", True)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        c.fail("tables", "type", raw, "'tables' must be a table of name = file")
        return {}
    out = {}
    for name in ("participants", "visits"):
        if name not in raw:
            c.fail(f"tables.{name}", "missing_field", None, f"[tables] must name the {name} file")
    for name, rel in raw.items():
        col = f"tables.{name}"
        if name not in TABLE_KEYS:
            c.fail(
                col,
                "allowed_values",
                name,
                f"unknown table '{name}'; tables: {', '.join(TABLE_KEYS)}",
            )
        elif not isinstance(rel, str):
            c.fail(col, "type", rel, f"file of table '{name}' must be a string")
        elif (why := _path_problem(rel)) is not None:
            c.fail(col, "path_inside_cohort", rel, f"path of table '{name}' {why}")
        else:
            out[name] = rel
    return out


def mapping_sections(data: Mapping[str, Any]) -> dict[str, Any]:
    """The usable mapping sections of a manifest that may fail elsewhere.

    Returns ``tables`` (paths that stay inside the folder), ``columns``,
    ``values``, ``weeks``, ``wide`` and ``format``, each checked on its own, so
    that the tables of a broken manifest are still read as the manifest says
    (the failures themselves come from :func:`check_manifest`).
    """
    c = _Checker(data)
    tables = _tables(c)
    columns = _mapping.check_columns(c)
    return {
        "tables": tables,
        "columns": columns,
        "values": _mapping.check_values(c),
        "weeks": _mapping.check_weeks(c),
        "wide": _mapping.check_wide(c, columns),
        "format": _mapping.check_format(c, tables),
    }


def check_study_manifest(data: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[dict]]:
    """Check a parsed ``study.toml``; return ``(fields or None, failures)``.

    The fields are ``study_id``, ``title``, ``codes`` (code -> label),
    ``code_ideas`` (code -> idea) and ``metadata`` (every other key, e.g.
    description and source).
    """
    c = _Checker(data)
    study_id = c.string("study_id")
    if study_id is not None and not _ID.match(study_id):
        c.fail("study_id", "pattern", study_id, "study_id must match [A-Za-z0-9._-]{1,64}")
    title = c.string("title")
    c.string("description", required=False, non_empty=False)
    c.string("source", required=False, non_empty=False)
    codes, code_ideas = _codes(c)
    if c.failures:
        return None, c.failures
    meta = {k: v for k, v in data.items() if k not in ("study_id", "title")}
    return {
        "study_id": study_id,
        "title": title,
        "codes": codes,
        "code_ideas": code_ideas,
        "metadata": meta,
    }, []
