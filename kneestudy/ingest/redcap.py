"""Import a REDCap export (records + data dictionary) as a cohort folder.

REDCap's standard export is one CSV of records ("CSV / Microsoft Excel (raw
data)") and the project's data dictionary. In a longitudinal project each
record has one row per event (``redcap_event_name``), repeating instruments
add rows with ``redcap_repeat_instrument`` and ``redcap_repeat_instance``, and
each checkbox field becomes one 0/1 column per choice (``field___code``).

:func:`from_redcap` splits the export into the tables of a cohort and writes
them with REDCap's own column names and codes, beside a generated
``cohort.toml`` whose mapping (``[columns]``, ``[values]`` from the
dictionary's choices, ``[weeks]`` from the event names) says how they map
onto the data model. Validation then applies the mapping, so what REDCap
holds and what kneestudy reads stay visibly apart. Guesses the importer could
not make are left as ``TODO`` lines for the user to fill in; the original
export is copied into ``redcap/`` in the cohort folder, so nothing is lost.

- Forms filled in at more than one event of a record are visit forms: their
  rows (record x event) make ``visits.csv``. The other forms are participant
  forms: one row per record in ``participants.csv``.
- A project that is not longitudinal has one row per record; its visit
  measures are usually columns per week (``pain_w0``, ``pain_w6``): the
  manifest then reads ``visits`` as a wide table (``[wide.visits]``).
- Each repeating instrument becomes ``<instrument>.csv``; one whose name
  says adverse events is mapped as the ``adverse_events`` table.

The file import works offline; no API client is needed.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kneestudy.errors import ReadError

__all__ = ["RedcapImport", "from_redcap", "parse_choices", "read_dictionary"]

_DICT_COLUMNS = {
    "variable / field name": "field_name",
    "field_name": "field_name",
    "form name": "form_name",
    "form_name": "form_name",
    "field type": "field_type",
    "field_type": "field_type",
    "field label": "field_label",
    "field_label": "field_label",
    "choices, calculations, or slider labels": "choices",
    "select_choices_or_calculations": "choices",
    "text validation type or show slider number": "validation",
    "text_validation_type_or_show_slider_number": "validation",
}
_SYSTEM = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance")

# our column -> (name pattern, label pattern), tried in order on the fields of the table's forms
_GUESSES: dict[str, dict[str, tuple[str, str]]] = {
    "participants": {
        "arm": (r"arm|group|randomi[sz]ation|allocation|treatment", r"\barm\b|group|allocat"),
        "randomized_on": (r"rand\w*_?date|date_?rand\w*|randomi[sz]ed_on", r"date of random"),
        "age": (r"^age(?:_years)?$", r"\bage\b"),
        "sex": (r"^(?:sex|gender)$", r"\bsex\b|gender"),
        "bmi": (r"^bmi$", r"body.mass|\bbmi\b"),
        "symptom_months": (r"symptom\w*(?:month|dur)", r"symptom.*(?:month|duration)"),
        "weekly_km": (r"weekly_?km|km_?(?:per_)?week|mileage", r"km.*week|weekly.*(?:distance|km)"),
        "squat_test": (r"squat", r"squat"),
        "withdrawal_week": (r"withdr\w*week|week\w*withdr", r"withdr.*week"),
    },
    "visits": {
        "pain": (r"^pain|vas|nrs", r"\bpain\b"),
        "akps": (r"akps|kujala", r"kujala|anterior knee pain"),
        "grc": (r"^grc|global_?rating|global_?change", r"global rating|global.*change"),
        "adherence": (r"adher|complian", r"adher|complian"),
    },
    "adverse_events": {
        "week": (r"week", r"week"),
        "term": (r"term|desc|event$|ae_name", r"term|describe|description"),
        "severity": (r"sever|grade", r"sever|grade"),
        "serious": (r"serious|sae", r"serious"),
        "related": (r"relat|causal", r"relat|causal"),
    },
}


@dataclass
class RedcapImport:
    """What :func:`from_redcap` wrote: the folder, the tables, and what to check.

    ``todo`` lists the guesses left to the user (also marked ``TODO`` in
    ``cohort.toml``); ``notes`` what the importer did.
    """

    folder: Path
    tables: dict[str, str]
    rows: dict[str, int]
    todo: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_choices(text: Any) -> dict[str, str]:
    """REDCap choices ``"1, Female | 2, Male"`` -> ``{"1": "Female", "2": "Male"}``."""
    out: dict[str, str] = {}
    if not isinstance(text, str):
        return out
    for part in text.split("|"):
        code, sep, label = part.partition(",")
        if sep and code.strip():
            out[code.strip()] = label.strip()
    return out


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReadError(path, f"{what} not found") from None
    except UnicodeDecodeError:
        raise ReadError(path, f"{what} is not UTF-8 text (export it again from REDCap)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ReadError(path, f"cannot read the {what} as CSV: {str(exc)[:200]}") from None


def read_dictionary(path: str | Path) -> pd.DataFrame:
    """A REDCap data dictionary (CSV), columns renamed to ``field_name``, ``form_name``,
    ``field_type``, ``field_label``, ``choices``, ``validation``."""
    path = Path(path)
    d = _read_csv(path, "data dictionary")
    rename = {
        c: _DICT_COLUMNS[c.strip().lower()] for c in d.columns if c.strip().lower() in _DICT_COLUMNS
    }
    d = d.rename(columns=rename)
    need = {"field_name", "form_name", "field_type"}
    if not need <= set(d.columns):
        raise ReadError(
            path,
            "not a REDCap data dictionary: it needs the columns 'Variable / Field Name', "
            "'Form Name' and 'Field Type' (Project Setup > Data Dictionary > download)",
        )
    for c in ("field_label", "choices", "validation"):
        if c not in d.columns:
            d[c] = ""
    d["field_name"] = d["field_name"].str.strip()
    return d[d["field_name"] != ""].reset_index(drop=True)


def _filled(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    cols = [c for c in cols if c in frame.columns]
    if not cols:
        return pd.Series(False, index=frame.index)
    return (frame[cols].apply(lambda s: s.str.strip()) != "").any(axis=1)


def _columns_of(field_name: str, ftype: str, records: pd.DataFrame) -> list[str]:
    if ftype == "checkbox":
        return [c for c in records.columns if c.startswith(f"{field_name}___")]
    return [field_name] if field_name in records.columns else []


def _event_week(name: str) -> float | None:
    """A week read off a REDCap event name (``week_12_arm_1`` -> 12), or None."""
    n = re.sub(r"_arm_\d+$", "", name.strip().lower())
    if re.search(r"baseline|screen|enrol|randomi|week_?0$|^w0$", n):
        return 0.0
    m = re.search(r"(?:week|wk|w)_?(\d+(?:_\d+)?)", n) or re.search(
        r"(\d+(?:_\d+)?)_?(?:weeks?|wk)", n
    )
    if m:
        return float(m.group(1).replace("_", "."))
    return None


def _guess(table: str, fields: pd.DataFrame, taken: set[str]) -> dict[str, str]:
    """Our column -> a REDCap field of ``fields`` (by name, then by label)."""
    out: dict[str, str] = {}
    for ours, (name_rx, label_rx) in _GUESSES.get(table, {}).items():
        for how, rx in (("name", name_rx), ("label", label_rx)):
            col = "field_name" if how == "name" else "field_label"
            hit = fields[
                fields[col].str.lower().str.contains(rx, regex=True, na=False)
                & ~fields["field_name"].isin(taken)
                & (fields["field_type"] != "descriptive")
            ]
            if len(hit):
                out[ours] = str(hit["field_name"].iloc[0])
                taken.add(out[ours])
                break
    return out


def _code_of(label: str) -> str | None:
    """A registry code whose code or label is ``label`` (case and spaces aside)."""
    from kneestudy.interventions import COMPARATORS, IDEA_ALIASES, IDEAS

    key = re.sub(r"[\s_-]+", " ", label.strip().lower())
    for code, idea in IDEAS.items():
        if key in (code.replace("_", " "), idea.label.lower()):
            return code
    for code, text in COMPARATORS.items():
        if key in (code.replace("_", " "), text.lower()):
            return code
    for alias in IDEA_ALIASES:
        if key == alias.replace("_", " "):
            return alias
    return None


def _toml_str(v: str) -> str:
    from kneestudy.ingest.model import toml_dumps

    return toml_dumps({"x": v}).split(" = ", 1)[1].strip()


def from_redcap(
    records: str | Path,
    dictionary: str | Path,
    out: str | Path,
    cohort_id: str | None = None,
    force: bool = False,
) -> RedcapImport:
    """Write a cohort folder from a REDCap records export and its data dictionary.

    Parameters
    ----------
    records : str or Path
        The records, exported as "CSV / Microsoft Excel (raw data)" (codes, not labels).
    dictionary : str or Path
        The project's data dictionary (CSV).
    out : str or Path
        The cohort folder to write (created; it must be empty unless ``force``).
    cohort_id : str, optional
        Default: the folder's name, made a valid id.

    Returns
    -------
    RedcapImport
        The folder, the tables written with their row counts, what to check.

    Raises
    ------
    kneestudy.errors.ReadError
        A file is missing, not CSV, or not a REDCap export; the message says which.
    FileExistsError
        ``out`` holds files and ``force`` is false.

    Examples
    --------
    >>> imp = from_redcap("records.csv", "dictionary.csv", "my-trial")  # doctest: +SKIP
    >>> imp.todo  # doctest: +SKIP
    """
    records, dictionary, folder = Path(records), Path(dictionary), Path(out)
    d = read_dictionary(dictionary)
    r = _read_csv(records, "records export")
    record_id = str(d["field_name"].iloc[0]) if len(d) else ""
    if record_id not in r.columns:
        raise ReadError(
            records,
            f"the records have no column '{record_id}' (the dictionary's first field, the "
            "record id); export the records as 'CSV (raw data)' with the record id",
        )
    known = (
        set(d["field_name"])
        | set(_SYSTEM)
        | {"redcap_data_access_group", "redcap_survey_identifier"}
    )
    forms = list(dict.fromkeys(d["form_name"]))
    known |= {f"{f}_complete" for f in forms}
    unknown = [
        c for c in r.columns if c not in known and "___" not in c and not c.endswith("_timestamp")
    ]
    if len(unknown) > max(3, len(r.columns) // 2):
        raise ReadError(
            records,
            f"{len(unknown)} columns are not fields of the dictionary (e.g. {unknown[:3]}); "
            "export the records as 'CSV (raw data)', not with labels as headers",
        )
    if folder.exists() and any(folder.iterdir()) and not force:
        raise FileExistsError(17, f"{folder} exists and is not empty (use force to write into it)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "redcap").mkdir(exist_ok=True)
    shutil.copyfile(records, folder / "redcap" / records.name)
    shutil.copyfile(dictionary, folder / "redcap" / dictionary.name)
    result = RedcapImport(folder, {}, {})
    result.notes.append(f"the export is kept as read in {folder.name}/redcap/")

    form_cols = {
        f: [
            c
            for _, row in d[d["form_name"] == f].iterrows()
            for c in _columns_of(row["field_name"], row["field_type"], r)
            if c != record_id
        ]
        for f in forms
    }
    repeat = (
        r["redcap_repeat_instrument"].str.strip()
        if "redcap_repeat_instrument" in r
        else pd.Series("", index=r.index)
    )
    base = r[repeat == ""]
    longitudinal = "redcap_event_name" in r.columns
    visit_forms: list[str] = []
    if longitudinal:
        for f, cols in form_cols.items():
            has = _filled(base, cols)
            per_record = base.loc[has].groupby(record_id)["redcap_event_name"].nunique()
            if len(per_record) and per_record.max() > 1:
                visit_forms.append(f)
    part_forms = [f for f in forms if f not in visit_forms and f not in set(repeat[repeat != ""])]

    # participants: one row per record, participant forms' fields from whichever event holds them
    pcols = [c for f in part_forms for c in form_cols[f]]
    pieces = []
    for rid, g in base.groupby(record_id, sort=False):
        row = {record_id: rid}
        for c in pcols:
            vals = [v for v in g[c] if v.strip()]
            row[c] = vals[0] if vals else ""
            if len(set(vals)) > 1:
                result.notes.append(
                    f"record {rid}: {c} differs between events ({', '.join(sorted(set(vals))[:3])}); "
                    "the first event's value is used"
                )
        if "redcap_data_access_group" in g:
            row["redcap_data_access_group"] = g["redcap_data_access_group"].iloc[0]
        pieces.append(row)
    participants = pd.DataFrame(
        pieces,
        columns=[record_id, *pcols]
        + (["redcap_data_access_group"] if "redcap_data_access_group" in base else []),
    )
    participants.to_csv(folder / "participants.csv", index=False)
    result.tables["participants"] = "participants.csv"
    result.rows["participants"] = len(participants)

    fields = d.set_index("field_name")
    taken: set[str] = {record_id}
    pf = d[d["form_name"].isin(part_forms)]
    vf = d[d["form_name"].isin(visit_forms)] if longitudinal else d[d["form_name"].isin(part_forms)]
    guess_p = _guess("participants", pf, taken)
    guess_v = _guess("visits", vf, set() if not longitudinal else taken)
    weeks: dict[str, float | None] = {}
    wide: dict[str, str] = {}
    wide_weeks: set[float] = set()
    if longitudinal:
        vcols = [c for f in visit_forms for c in form_cols[f]]
        has = _filled(base, vcols)
        visits = base.loc[has, [record_id, "redcap_event_name", *vcols]]
        skipped = int((~has).sum())
        if skipped:
            result.notes.append(
                f"{skipped} record-event row(s) hold no visit field and are not visits "
                "(their participant fields are in participants.csv)"
            )
        visits.to_csv(folder / "visits.csv", index=False)
        result.tables["visits"] = "visits.csv"
        result.rows["visits"] = len(visits)
        for ev in dict.fromkeys(visits["redcap_event_name"]):
            weeks[ev] = _event_week(ev)
    else:
        # one row per record: visit measures are columns per week, read as a wide table
        result.tables["visits"] = "participants.csv"
        result.rows["visits"] = len(participants)
        for ours in ("pain", "akps", "grc", "adherence"):
            for c in r.columns:
                m = re.fullmatch(rf"({re.escape(ours)}\w*?_(?:w|wk|week)?)(\d+)", c.lower())
                if m is None:
                    continue
                pattern = c[: len(m.group(1))] + "{week}"
                if wide.setdefault(ours, pattern) == pattern:
                    wide_weeks.add(float(m.group(2)))
        guess_v = {}
        if not wide:
            result.todo.append(
                "visits: say in [wide.visits] which columns hold each measure by week"
            )

    ae_table = None
    for inst in dict.fromkeys(repeat[repeat != ""]):
        rows = r[repeat == inst]
        cols = [
            record_id,
            *[c for c in _SYSTEM if c in r.columns and c != "redcap_repeat_instrument"],
            *form_cols.get(inst, []),
        ]
        name = f"{inst}.csv"
        rows[cols].to_csv(folder / name, index=False)
        result.notes.append(f"repeating instrument '{inst}': {len(rows)} row(s) in {name}")
        if re.search(r"adverse|(^|_)ae(_|$)|side_effect|harm", inst.lower()) and ae_table is None:
            ae_table = name
            result.tables["adverse_events"] = name
            result.rows["adverse_events"] = len(rows)
    guess_ae = (
        _guess("adverse_events", d[d["form_name"].isin([Path(ae_table).stem])], set())
        if ae_table
        else {}
    )

    text = _manifest_text(
        result,
        folder,
        cohort_id,
        record_id,
        guess_p,
        guess_v,
        guess_ae,
        fields,
        weeks,
        wide,
        wide_weeks,
    )
    (folder / "cohort.toml").write_text(text, encoding="utf-8")
    return result


def _values_lines(
    table: str, ours: str, field_name: str, fields: pd.DataFrame, result: RedcapImport
) -> list[str]:
    """``[values.TABLE.COLUMN]`` lines from the dictionary's choices of ``field_name``."""
    if field_name not in fields.index:
        return []
    ftype = str(fields.loc[field_name, "field_type"])
    choices = parse_choices(fields.loc[field_name, "choices"])
    if ftype not in ("radio", "dropdown") or not choices:
        return []
    from kneestudy.schemas.spec import table_spec

    cs = table_spec(table).columns[ours]
    lines = ["", f"[values.{table}.{ours}]"]
    for code, label in choices.items():
        key = _toml_str(code)
        if ours == "arm":
            lines.append(f"{key} = {_toml_str(label)}")
        elif ours == "intervention":
            guess = _code_of(label)
            if guess is None:
                lines.append(f'# {key} = ""  # TODO: the intervention code of {label!r}')
                result.todo.append(
                    f"intervention code of the arm {label!r} ([values.participants.intervention])"
                )
            else:
                lines.append(f"{key} = {_toml_str(guess)}  # {label}")
        elif cs.allowed is not None:
            low = label.strip().lower()
            hit = next((a for a in cs.allowed if a == low or low.startswith(str(a))), None)
            if hit is None:
                lines.append(
                    f'# {key} = ""  # TODO: {label!r} is which of {", ".join(cs.allowed)}?'
                )
                result.todo.append(f"{ours}: the value of the choice {label!r}")
            else:
                lines.append(f"{key} = {_toml_str(str(hit))}  # {label}")
        else:
            return []
    return lines


def _manifest_text(
    result: RedcapImport,
    folder: Path,
    cohort_id: str | None,
    record_id: str,
    guess_p: dict[str, str],
    guess_v: dict[str, str],
    guess_ae: dict[str, str],
    fields: pd.DataFrame,
    weeks: dict[str, float | None],
    wide: dict[str, str],
    wide_weeks: set[float],
) -> str:
    from kneestudy.interventions import COMPARATORS

    cid = (
        cohort_id
        or re.sub(r"[^A-Za-z0-9._-]+", "-", folder.resolve().name).strip("-")[:64]
        or "redcap-cohort"
    )
    known_weeks = sorted({w for w in weeks.values() if w is not None} | set(wide_weeks))
    if not known_weeks or known_weeks[0] != 0:
        known_weeks = [0.0, *known_weeks]
        result.todo.append("visit_weeks: no baseline (week 0) visit was recognised")
    lines = [
        "# Generated by `kneestudy import redcap`. Lines marked TODO need you; then run",
        f"# `kneestudy validate {folder}` and fix what it reports.",
        f"cohort_id = {_toml_str(cid)}",
        f"title = {_toml_str('REDCap import: ' + folder.name)}  # TODO: the trial's title",
        'design = "parallel"  # TODO: parallel, single_arm or crossover',
    ]
    result.todo += ["title", "design", "risk_of_bias", "source"]
    arm_field = guess_p.get("arm")
    comparator = None
    if arm_field is not None and arm_field in fields.index:
        for label in parse_choices(fields.loc[arm_field, "choices"]).values():
            code = _code_of(label)
            if code in COMPARATORS:
                comparator = code
    if comparator:
        lines.append(f"comparator = {_toml_str(comparator)}  # TODO: check: the control arm's code")
    else:
        lines.append('# comparator = ""  # TODO: the intervention code of the control arm')
        result.todo.append("comparator")
    primary = "pain" if "pain" in guess_v or "pain" in wide else "akps"
    lines += [
        f'primary_outcome = "{primary}"  # TODO: check',
        f"primary_week = {known_weeks[-1]:g}  # TODO: check",
        f"visit_weeks = [{', '.join(f'{w:g}' for w in known_weeks)}]",
        'risk_of_bias = "some_concerns"  # TODO: your risk-of-bias judgement (RoB 2)',
        'source = "REDCap export"  # TODO: citation or trial registration',
        "",
        "[tables]",
    ]
    result.todo += ["primary_outcome", "primary_week"]
    for t, f in result.tables.items():
        lines.append(f"{t} = {_toml_str(f)}")
    maps = {
        "participants": {"participant_id": record_id, **guess_p},
        "visits": {},
        "adverse_events": {},
    }
    if arm_field is not None:
        maps["participants"]["intervention"] = arm_field
    else:
        result.todo.append(
            "arm and intervention: the field of the randomised arm ([columns.participants])"
        )
    if weeks:  # longitudinal: one visit row per record and event
        maps["visits"] = {"participant_id": record_id, "week": "redcap_event_name", **guess_v}
    elif wide:
        maps["visits"] = {"participant_id": record_id}
    if guess_ae:
        maps["adverse_events"] = {"participant_id": record_id, **guess_ae}
    for table, pairs in maps.items():
        if not pairs:
            continue
        lines += ["", f"[columns.{table}]"]
        lines += [f"{o} = {_toml_str(t)}" for o, t in pairs.items()]
    if wide:
        lines += ["", "[wide.visits]"] + [f"{o} = {_toml_str(p)}" for o, p in wide.items()]
    for table, pairs in maps.items():
        for ours, theirs in pairs.items():
            if ours in ("participant_id", "week"):
                continue
            lines += _values_lines(table, ours, theirs, fields, result)
    if weeks:
        lines += ["", "[weeks]"]
        for ev, w in weeks.items():
            if w is None:
                lines.append(f"# {_toml_str(ev)} = 0  # TODO: the week of this event")
                result.todo.append(f"[weeks]: the week of the event {ev!r}")
            else:
                lines.append(f"{_toml_str(ev)} = {w:g}")
    for ours in ("pain", "akps"):
        if ours not in guess_v and ours not in wide:
            result.notes.append(
                f"no field looked like {ours}; map it in [columns.visits] if the trial has it"
            )
    return "\n".join(lines) + "\n"
