"""Load and validate cohorts and studies from folders, or cohorts in memory."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.errors import ValidationError
from kneestudy.ingest.convert import TableState, convert_table
from kneestudy.ingest.mapping import TableMapping, apply_mapping, table_mapping
from kneestudy.ingest.model import REQUIRED_TABLES, STUDY_TABLES, TABLES, Cohort, Manifest, Study
from kneestudy.ingest.quarantine import default_quarantine, write_quarantine
from kneestudy.ingest.readers import RawTable, TableReadError, read_raw
from kneestudy.ingest.report import DEFAULT_MAX_FAILURES, Collector, ValidationReport
from kneestudy.ingest.rules import cascade, check_cohort_rules, check_literature_rules
from kneestudy.schemas.manifest import (
    check_manifest,
    check_study_manifest,
    mapping_sections,
    split_sheet,
)
from kneestudy.schemas.spec import TableSpec, table_spec

__all__ = ["load_cohort", "load_study", "validate", "validate_cohort", "write_quarantine"]

_ON_INVALID = ("raise", "quarantine")
#: Files above this size are read side by side.
_PARALLEL_BYTES = 1 << 20


def _text_columns(spec: TableSpec) -> frozenset[str]:
    return frozenset(n for n, c in spec.columns.items() if c.kind != "float" and c.kind != "int")


def _empty_state(name: str, file: str | None) -> TableState:
    empty = pd.DataFrame(index=pd.RangeIndex(0))
    return TableState(
        name, file, empty, empty, np.zeros(0, np.int64), np.zeros(0, bool), fatal=True
    )


def _read_state(
    name: str,
    path: Path,
    file: str,
    out: Collector,
    raw: RawTable | Exception | None = None,
    mapping: TableMapping | None = None,
    keep_reasons: bool = False,
) -> TableState:
    """Read (unless ``raw`` holds the reading already done, or its error), map and convert."""
    spec = table_spec(name)
    mapping = mapping or TableMapping(name)
    try:
        if raw is None:
            raw = read_raw(path, _sources(spec, mapping), mapping.options)
        elif isinstance(raw, Exception):
            raise raw
    except TableReadError as exc:
        out.add(name, file, None, exc.column, exc.rule, None, f"{file}: {exc.reason}")
        return _empty_state(name, file)
    except OSError as exc:
        out.add(name, file, None, None, "readable", None, f"{file}: {exc.strerror or exc}")
        return _empty_state(name, file)
    mapped = apply_mapping(raw, mapping, spec, file)
    return convert_table(
        name,
        file,
        mapped.raw,
        spec,
        out,
        options=mapping.options,
        fatal=mapped.fatal,
        original=mapped.original,
        keep_reasons=keep_reasons,
    )


def _sources(spec: TableSpec, mapping: TableMapping) -> frozenset[str]:
    """The file's columns to read as text: ours, and the sources mapped to ours."""
    return _text_columns(spec) | mapping.text_sources(spec)


def _read_all(
    paths: dict[str, Path], mappings: dict[str, TableMapping]
) -> dict[str, RawTable | Exception]:
    """Read the table files side by side (the readers release the GIL while parsing).

    Small files are left to :func:`_read_state`; errors are returned, not raised,
    and reported in table order as if the files had been read one by one.
    """
    big = {n: p for n, p in paths.items() if _size(p) > _PARALLEL_BYTES}
    if len(big) < 2:
        return {}
    from concurrent.futures import ThreadPoolExecutor

    def one(name: str) -> RawTable | Exception:
        m = mappings[name]
        try:
            return read_raw(big[name], _sources(table_spec(name), m), m.options)
        except (TableReadError, OSError) as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(big)) as pool:
        return dict(zip(big, pool.map(one, big), strict=True))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _count(states: dict[str, TableState], out: Collector) -> None:
    for s in states.values():
        out.count(s.name, s.file, s.n + len(s.unparsed), int(s.bad.sum()) + len(s.unparsed))


def _read_toml(path: Path, table: str, file: str, out: Collector) -> dict[str, Any] | None:
    if not path.is_file():
        out.add(table, file, None, None, "missing_file", None, f"{file} not found")
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        out.add(table, file, None, None, "encoding", None, f"{file} is not valid UTF-8")
    except tomllib.TOMLDecodeError as exc:
        out.add(table, file, None, None, "toml", None, f"{file} is not valid TOML: {exc}")
    except OSError as exc:
        out.add(table, file, None, None, "readable", None, f"{file}: {exc.strerror or exc}")
    return None


def _check_cohort_folder(
    folder: Path, prefix: str, out: Collector, keep_reasons: bool = False
) -> tuple[Manifest | None, dict[str, TableState]]:
    """Validate one cohort folder into ``out``; file names are ``prefix + relative path``."""
    mfile = f"{prefix}cohort.toml"
    data = _read_toml(folder / "cohort.toml", "manifest", mfile, out)
    if data is None:
        return None, {}
    manifest, failures = check_manifest(data)
    for f in failures:
        rule = f["rule"]
        if rule == "unknown_field":
            out.note("manifest", mfile, f["column"], f["message"])
        else:
            out.add("manifest", mfile, None, f["column"], rule, f["value"], f["message"])
    source = manifest if manifest is not None else _salvage(data)
    tables = source.tables
    states: dict[str, TableState] = {}
    root = folder.resolve()
    paths: dict[str, Path | None] = {}
    for name in TABLES:
        rel = tables.get(name)
        if rel is None:
            continue
        path = folder / split_sheet(rel)[0]
        try:
            inside = path.resolve().is_relative_to(root)
        except (OSError, ValueError):
            inside = False
        paths[name] = path if inside else None
    mappings = {n: table_mapping(source, n) for n in paths}
    raws = _read_all({n: p for n, p in paths.items() if p is not None}, mappings)
    for name, path in paths.items():
        rel = tables[name]
        file = f"{prefix}{split_sheet(rel)[0]}"
        if path is None:
            out.add(
                "manifest",
                mfile,
                None,
                f"tables.{name}",
                "path_inside_cohort",
                rel,
                f"{rel} resolves outside the cohort folder",
            )
            states[name] = _empty_state(name, file)
            continue
        states[name] = _read_state(
            name, path, file, out, raws.get(name), mappings[name], keep_reasons
        )
    if "participants" in states and "visits" in states:
        check_cohort_rules(manifest, states, mfile, out)
        cascade(states, out)
    return manifest, states


def _salvage(data: dict[str, Any]) -> Any:
    """Tables and mapping of a manifest that failed elsewhere, so its tables are checked too."""
    from types import SimpleNamespace

    return SimpleNamespace(**mapping_sections(data))


def _existing(path: str | Path) -> Path:
    p = Path(path)
    if "\x00" in str(p):
        raise FileNotFoundError(2, "a path cannot hold a NUL byte", str(p).replace("\x00", "\\0"))
    if not p.exists():
        raise FileNotFoundError(2, "no such file or folder", str(p))
    if p.is_file() and p.name in ("cohort.toml", "study.toml"):
        p = p.parent
    return p


def validate(path: str | Path, max_failures: int | None = DEFAULT_MAX_FAILURES) -> ValidationReport:
    """Validate a cohort folder or a study folder; never raises for bad data.

    Unreadable files, bad TOML and missing files become failures in the
    report; only a path that does not exist raises (``FileNotFoundError``).

    Parameters
    ----------
    path : str or Path
        A cohort folder (``cohort.toml``) or a study folder (``study.toml``).
    max_failures : int or None
        Failures listed per file, column and rule (default 1,000; None: all).
        Every failure is counted (``report.counts``, ``report.n_failures``).

    Examples
    --------
    >>> from kneestudy.ingest import validate
    >>> report = validate("my-cohort")  # doctest: +SKIP
    >>> report.ok, report.failures  # doctest: +SKIP
    """
    p = _existing(path)
    out = Collector(max_failures)
    if p.is_dir() and (p / "study.toml").is_file():
        _check_study(p, out)
    elif p.is_dir():
        manifest, states = _check_cohort_folder(p, "", out)
        _count(states, out)
    else:
        out.add(
            "manifest",
            p.name,
            None,
            None,
            "missing_file",
            None,
            f"{p.name} is a file; give a cohort folder (with cohort.toml) or a study folder "
            "(with study.toml)",
        )
    return out.report()


def _frames(states: dict[str, TableState]) -> dict[str, pd.DataFrame | None]:
    frames: dict[str, pd.DataFrame | None] = {}
    for name in TABLES:
        s = states.get(name)
        if s is None:
            frames[name] = None
        elif s.bad.any():
            frames[name] = s.frame.loc[~s.bad].reset_index(drop=True)
        else:
            frames[name] = s.frame  # nothing dropped: no copy
    return frames


def _fatal(report: ValidationReport, states: dict[str, TableState]) -> bool:
    return bool(
        report.blocking or any(states.get(n) is None or states[n].fatal for n in REQUIRED_TABLES)
    )


def _check_on_invalid(on_invalid: str) -> None:
    if on_invalid not in _ON_INVALID:
        raise ValueError(f"on_invalid must be 'raise' or 'quarantine', not {on_invalid!r}")


def load_cohort(
    path: str | Path,
    on_invalid: str = "raise",
    quarantine_dir: str | Path | None = None,
    max_failures: int | None = DEFAULT_MAX_FAILURES,
) -> Cohort:
    """Read and validate a cohort folder.

    Parameters
    ----------
    path : str or Path
        The cohort folder (holding ``cohort.toml``) or its ``cohort.toml``.
    on_invalid : {"raise", "quarantine"}
        ``"raise"`` raises :class:`~kneestudy.errors.ValidationError` (with the
        report) when anything fails. ``"quarantine"`` keeps the valid rows and
        writes the invalid ones, each with its reasons, to ``quarantine_dir``.
        A rejected participant takes its visits, adverse events and events
        along. Failures that no row carries (manifest, unreadable file,
        missing column) cannot be quarantined and raise either way.
    quarantine_dir : str or Path, optional
        Default: ``<cohort>.quarantine/`` beside the cohort folder, or, for a
        cohort inside a study's ``cohorts/``, ``<study>.quarantine/cohorts/<cohort>/``
        beside the study (never inside ``cohorts/``, where it would be read as a cohort).
    max_failures : int or None
        Failures listed in the report per file, column and rule (all are counted
        and every rejected row is quarantined).

    Returns
    -------
    Cohort
        Canonical dtypes (see :mod:`kneestudy.ingest.model`); ``.report`` holds
        the validation report.

    Examples
    --------
    >>> cohort = load_cohort("my-cohort", on_invalid="quarantine")  # doctest: +SKIP
    """
    _check_on_invalid(on_invalid)
    folder = _existing(path)
    out = Collector(max_failures)
    quarantine = on_invalid == "quarantine"
    manifest, states = _check_cohort_folder(folder, "", out, keep_reasons=quarantine)
    _count(states, out)
    report = out.report()
    if not report.ok:
        if not quarantine or manifest is None or _fatal(report, states):
            raise ValidationError(report)
        qdir = Path(quarantine_dir) if quarantine_dir else default_quarantine(folder)
        write_quarantine(qdir, states, report)
    frames = _frames(states)
    return Cohort(
        manifest=manifest,
        participants=frames["participants"],
        visits=frames["visits"],
        adverse_events=frames["adverse_events"],
        events=frames["events"],
        path=folder,
        report=report,
    )


def validate_cohort(
    cohort: Cohort, max_failures: int | None = DEFAULT_MAX_FAILURES
) -> ValidationReport:
    """Validate an in-memory :class:`Cohort` (e.g. a simulated one).

    Rows in the report are 1-based record numbers; ``file`` is empty. Beyond
    the rules of files, each column must already have its canonical dtype
    (rule ``canonical_dtype``), so that writing and re-reading gives equal tables.
    """
    out = Collector(max_failures)
    manifest, failures = check_manifest(cohort.manifest.to_dict())
    for f in failures:
        out.add("manifest", None, None, f["column"], f["rule"], f["value"], f["message"])
    states: dict[str, TableState] = {}
    for name, frame in cohort.tables().items():
        spec = table_spec(name)
        frame = frame.reset_index(drop=True)
        raw = RawTable(frame, np.arange(1, len(frame) + 1, dtype=np.int64), "memory")
        states[name] = convert_table(name, None, raw, spec, out)
        for col, cs in spec.columns.items():
            if col in frame.columns and not _canonical(frame[col].dtype, cs.dtype):
                out.add(
                    name,
                    None,
                    None,
                    col,
                    "canonical_dtype",
                    str(frame[col].dtype),
                    f"{name}.{col} has dtype {frame[col].dtype}, expected {cs.dtype}",
                )
    check_cohort_rules(manifest or cohort.manifest, states, None, out)
    cascade(states, out)
    _count(states, out)
    return out.report()


def _canonical(dtype: object, expected: object) -> bool:
    """True when ``dtype`` is the canonical dtype (categories and their order included)."""
    if isinstance(expected, pd.CategoricalDtype):
        return isinstance(dtype, pd.CategoricalDtype) and list(dtype.categories) == list(
            expected.categories
        )
    return str(dtype) == str(np.dtype(expected) if expected in (object, bool) else expected)


def _cohort_folders(cdir: Path, out: Collector) -> list[Path]:
    """The cohort folders of a study's ``cohorts/`` (quarantine output is skipped, with a note)."""
    found = []
    for sub in sorted(p for p in cdir.iterdir() if p.is_dir()):
        if sub.name.endswith(".quarantine") and not (sub / "cohort.toml").exists():
            out.note(
                "study",
                f"cohorts/{sub.name}",
                None,
                f"cohorts/{sub.name} holds quarantined rows, not a cohort; skipped (move it out "
                "of cohorts/)",
            )
            continue
        found.append(sub)
    return found


def _check_study(
    folder: Path, out: Collector, keep_reasons: bool = False
) -> tuple[dict | None, list, dict]:
    data = _read_toml(folder / "study.toml", "study", "study.toml", out)
    meta = None
    codes: dict[str, str] = {}
    if data is not None:
        meta, failures = check_study_manifest(data)
        for f in failures:
            out.add("study", "study.toml", None, f["column"], f["rule"], f["value"], f["message"])
        if meta is not None:
            codes = dict(meta["codes"])
    cohorts: list[tuple[Manifest | None, dict[str, TableState], str]] = []
    cdir = folder / "cohorts"
    seen: dict[str, str] = {}
    if cdir.is_dir():
        for sub in _cohort_folders(cdir, out):
            prefix = f"cohorts/{sub.name}/"
            manifest, states = _check_cohort_folder(sub, prefix, out, keep_reasons)
            _count(states, out)
            if manifest is not None:
                codes.update(manifest.codes)
                if manifest.cohort_id in seen:
                    out.add(
                        "manifest",
                        f"{prefix}cohort.toml",
                        None,
                        "cohort_id",
                        "unique",
                        manifest.cohort_id,
                        f"cohort_id '{manifest.cohort_id}' is also used by {seen[manifest.cohort_id]}",
                    )
                seen[manifest.cohort_id] = f"{prefix}cohort.toml"
            cohorts.append((manifest, states, prefix))
    lit: dict[str, TableState] = {}
    for name in STUDY_TABLES:
        path = folder / "literature" / f"{name}.csv"
        if path.exists():
            s = _read_state(name, path, f"literature/{name}.csv", out, keep_reasons=keep_reasons)
            check_literature_rules(s, codes, out)
            lit[name] = s
    _count(lit, out)
    return meta, cohorts, lit


def load_study(
    path: str | Path,
    on_invalid: str = "raise",
    quarantine_dir: str | Path | None = None,
    max_failures: int | None = DEFAULT_MAX_FAILURES,
) -> Study:
    """Read and validate a study folder (``study.toml``, ``cohorts/``, ``literature/``).

    ``on_invalid`` and ``max_failures`` as in :func:`load_cohort`. With
    ``"quarantine"`` the invalid rows go to ``quarantine_dir`` (default
    ``<study>.quarantine/`` beside the study folder): ``cohorts/<cohort>/`` for
    each cohort and ``literature/`` for the literature tables, with the whole
    report in ``report.txt`` and ``failures.csv``.

    Examples
    --------
    >>> study = load_study("my-study")  # doctest: +SKIP
    """
    _check_on_invalid(on_invalid)
    folder = _existing(path)
    out = Collector(max_failures)
    if not (folder / "study.toml").is_file():
        out.add("study", "study.toml", None, None, "missing_file", None, "study.toml not found")
        raise ValidationError(out.report())
    quarantine = on_invalid == "quarantine"
    meta, cohorts, lit = _check_study(folder, out, keep_reasons=quarantine)
    report = out.report()
    if not report.ok:
        all_states = [s for _, st, _ in cohorts for s in st.values()] + list(lit.values())
        fatal = (
            not quarantine
            or meta is None
            or report.blocking
            or any(m is None for m, _, _ in cohorts)
            or any(s.fatal for s in all_states)
        )
        if fatal:
            raise ValidationError(report)
        qroot = Path(quarantine_dir) if quarantine_dir else default_quarantine(folder)
        for _, states, prefix in cohorts:
            if any(s.bad.any() or s.unparsed for s in states.values()):
                write_quarantine(qroot / prefix.rstrip("/"), states, report, prefix=prefix)
        if any(s.bad.any() for s in lit.values()):
            write_quarantine(qroot / "literature", lit, report, prefix="literature/")
        qroot.mkdir(parents=True, exist_ok=True)
        report.failures.to_csv(qroot / "failures.csv", index=False)
        (qroot / "report.txt").write_text(str(report) + "\n", encoding="utf-8")
    result = []
    for manifest, states, prefix in cohorts:
        frames = _frames(states)
        result.append(
            Cohort(
                manifest=manifest,
                participants=frames["participants"],
                visits=frames["visits"],
                adverse_events=frames["adverse_events"],
                events=frames["events"],
                path=folder / prefix.rstrip("/"),
                report=report,
            )
        )
    lit_frames = {}
    for name in STUDY_TABLES:
        s = lit.get(name)
        lit_frames[name] = (
            s.frame.loc[~s.bad].reset_index(drop=True) if s is not None else _empty_table(name)
        )
    return Study(
        study_id=meta["study_id"],
        title=meta["title"],
        cohorts=result,
        arm_summaries=lit_frames["arm_summaries"],
        contrasts=lit_frames["contrasts"],
        studies=lit_frames["studies"],
        path=folder,
        report=report,
        metadata=meta["metadata"],
    )


def _empty_table(name: str) -> pd.DataFrame:
    spec = table_spec(name)
    return pd.DataFrame({n: pd.Series(dtype=c.dtype) for n, c in spec.columns.items()})
