"""The evidence base: published randomised trials of the eight ideas, every number quoted.

:func:`evidence` loads the embedded study of published trials (no cohorts;
``literature/arm_summaries.csv``, ``contrasts.csv`` and ``studies.csv``). The
tables are built from one TOML file per trial in ``trials/`` (format:
``datasets/data/evidence/README.md``) by ``python -m
kneestudy.datasets.evidence_base``; ``--check`` validates the trial files and runs
the quote test (every printed number of a row appears in its verbatim quote)
without writing. Numbers a paper does not print are derived by the Cochrane
Handbook's methods (:mod:`kneestudy.datasets._evidence_rules`) and the row's
``derivation`` says how. The evidence base is never pooled with synthetic
cohorts.

Examples
--------
>>> import kneestudy as ks
>>> study = ks.datasets.evidence()  # doctest: +SKIP
>>> study.studies[["study_id", "risk_of_bias"]].head()  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kneestudy.datasets._evidence_rules import (
    MEASURE_OF,
    ROB_DOMAINS,
    Problem,
    TrialChecker,
    arm_sd,
    contrast_se,
    in_quote,
)
from kneestudy.ingest.model import Study, toml_dumps, write_csv

__all__ = [
    "STUDY_ID",
    "build_tables",
    "check_trials",
    "evidence",
    "evidence_path",
    "main",
    "quote_failures",
    "read_reproductions",
    "read_searches",
    "read_trials",
    "write_evidence",
]

STUDY_ID = "kneestudy-evidence"
TITLE = "What the published trials say about the eight ideas for runner's knee"
DESCRIPTION = (
    "Published randomised trials in patellofemoral pain (and, for glucosamine, knee "
    "osteoarthritis as indirect evidence). Every number is printed in its row's verbatim "
    "quote; derived numbers name their method. Built from trials/*.toml by "
    "python -m kneestudy.datasets.evidence_base."
)


def evidence_path() -> Path:
    """Folder of the embedded evidence base (``study.toml``, ``literature/``, ``trials/``)."""
    from kneestudy.datasets import evidence_path as path

    return path()


def _source_folder(folder: str | Path | None) -> Path:
    return Path(folder) if folder is not None else evidence_path()


def read_trials(folder: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Parsed trial files by file name (``trials/<study_id>.toml``), in name order.

    A file that is not valid TOML is returned as ``{"_error": message}``.
    """
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((_source_folder(folder) / "trials").glob("*.toml")):
        name = f"trials/{path.name}"
        try:
            out[name] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            out[name] = {"_error": f"not valid TOML: {exc}"}
    return out


def _read_tables(folder: Path, sub: str) -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted((folder / sub).glob("*.toml")):
        out[f"{sub}/{path.name}"] = tomllib.loads(path.read_text(encoding="utf-8"))
    return out


def read_searches(folder: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The search records (``searches/*.toml``): topics, records found, exclusions with reasons."""
    return _read_tables(_source_folder(folder), "searches")


def read_reproductions(folder: str | Path | None = None) -> list[dict[str, Any]]:
    """Published pooled estimates to reproduce from the trial rows (``reproductions/*.toml``)."""
    rows = []
    for name, data in _read_tables(_source_folder(folder), "reproductions").items():
        for r in data.get("reproduction", []):
            rows.append({**r, "_file": name})
    return rows


def check_trials(trials: dict[str, dict[str, Any]]) -> list[Problem]:
    """Every problem of every trial file (fields, codes, quote test), in file order."""
    problems: list[Problem] = []
    ids: dict[str, str] = {}
    declared: dict[str, tuple[str, Any]] = {}
    for name, trial in trials.items():
        if "_error" in trial:
            problems.append(Problem(name, "", "", trial["_error"]))
            continue
        problems.extend(TrialChecker(name, trial).check())
        for code, spec in (trial.get("codes") or {}).items():
            if code in declared and declared[code][1] != spec:
                problems.append(Problem(name, "codes", code, (
                    f"code {code!r} is declared differently in {declared[code][0]} "
                    f"({declared[code][1]!r}); codes are shared by the whole evidence base, "
                    "so use another code or the same declaration")))  # fmt: skip
            declared.setdefault(code, (name, spec))
        sid = trial.get("study_id")
        if isinstance(sid, str) and sid in ids:
            problems.append(Problem(name, "", "study_id", f"study_id {sid!r} is also {ids[sid]}"))
        ids.setdefault(str(sid), name)
    return problems


def _sources(trial: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["key"]: s for s in trial.get("sources", [])}


def _common(trial: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    src = _sources(trial)[row.get("source", "main")]
    return {
        "study_id": trial["study_id"],
        "outcome": row["outcome"],
        "week": float(row["week"]),
        "source": src["citation"],
        "population": trial["population"],
        "risk_of_bias": trial["risk_of_bias"]["overall"],
        "instrument": row["instrument"],
        "instrument_detail": row.get("instrument_detail"),
        "timepoint": row["timepoint"],
        "doi": src.get("doi"),
        "pmid": None if src.get("pmid") is None else str(src["pmid"]),
        "quote": row["quote"],
        "location": row.get("location"),
        "meta_analysis": bool(trial.get("meta_analysis", False)),
    }


def _arm_row(trial: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    arm = next(a for a in trial["arms"] if a["arm"] == row["arm"])
    rec = _common(trial, row)
    sd, how = (float("nan"), "")
    if row.get("mean") is not None:
        sd, how = arm_sd(row)
    rec.update(
        arm=row["arm"],
        intervention=arm["intervention"],
        n=int(row["n"]),
        mean=row.get("mean"),
        sd=sd if row.get("mean") is not None else None,
        events=row.get("events"),
        change=bool(row.get("change", False)),
        derivation=how or None,
        published_ci_low=row.get("ci_low"),
        published_ci_high=row.get("ci_high"),
        published_se=row.get("se"),
        note=row.get("note"),
    )
    return rec


def _contrast_row(trial: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    rec = _common(trial, row)
    y, se, how = contrast_se(row)
    note = row.get("note")
    adjusted = row.get("adjusted")
    if adjusted and adjusted != "none":
        note = "; ".join(x for x in (f"{adjusted}", note) if x)
    rec.update(
        treatment=row["treatment"],
        comparator=row["comparator"],
        measure=MEASURE_OF[row["measure"]],
        estimate=y,
        se=se,
        n_treatment=row.get("n_treatment"),
        n_comparator=row.get("n_comparator"),
        derivation=how or None,
        published_measure=row["measure"],
        published_estimate=row["estimate"],
        published_ci_low=row.get("ci_low"),
        published_ci_high=row.get("ci_high"),
        published_se=row.get("se"),
        published_p=row.get("p"),
        note=note,
    )
    return rec


def _study_row(trial: dict[str, Any]) -> dict[str, Any]:
    main_src = trial["sources"][0]
    rob = trial["risk_of_bias"]
    rec = {
        "study_id": trial["study_id"],
        "citation": main_src["citation"],
        "doi": main_src.get("doi"),
        "pmid": None if main_src.get("pmid") is None else str(main_src["pmid"]),
        "url": main_src.get("url"),
        "title": trial["title"],
        "design": "meta_analysis" if trial.get("meta_analysis") else trial["design"],
        "population": trial["population"],
        "n_randomised": trial.get("n_randomised"),
        "risk_of_bias": rob["overall"],
        "rob_source": rob["source"],
        "rob_review": rob.get("review"),
        "rob_reason": rob.get("reason"),
    }
    rec.update({d: rob.get(d) for d in ROB_DOMAINS})
    rec["note"] = trial.get("note")
    return rec


_ARM_COLS = [
    "study_id", "arm", "intervention", "outcome", "week", "n", "mean", "sd", "events", "change",
    "source", "population", "risk_of_bias", "instrument", "instrument_detail", "timepoint",
    "doi", "pmid", "quote", "location", "derivation", "meta_analysis", "published_ci_low",
    "published_ci_high", "published_se", "note",
]  # fmt: skip
_CONTRAST_COLS = [
    "study_id", "treatment", "comparator", "outcome", "week", "measure", "estimate", "se",
    "n_treatment", "n_comparator", "source", "population", "risk_of_bias", "instrument",
    "instrument_detail", "timepoint", "doi", "pmid", "quote", "location", "derivation",
    "meta_analysis", "published_measure", "published_estimate", "published_ci_low",
    "published_ci_high", "published_se", "published_p", "note",
]  # fmt: skip

_STUDY_COLS = [
    "study_id", "citation", "doi", "pmid", "url", "title", "design", "population",
    "n_randomised", "risk_of_bias", "rob_source", "rob_review", "rob_reason", *ROB_DOMAINS,
    "note",
]  # fmt: skip


def build_tables(trials: dict[str, dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """The literature tables (``arm_summaries``, ``contrasts``, ``studies``) of valid trials.

    Raises
    ------
    ValueError
        When any trial file has a problem (:func:`check_trials`); the message
        lists them all.
    """
    problems = check_trials(trials)
    if problems:
        raise ValueError("the trial files have problems:\n" + "\n".join(map(str, problems)))
    arms, cons, studies = [], [], []
    for trial in trials.values():
        studies.append(_study_row(trial))
        arms += [_arm_row(trial, r) for r in trial.get("arm_summaries", [])]
        cons += [_contrast_row(trial, r) for r in trial.get("contrasts", [])]
    out = {
        "arm_summaries": pd.DataFrame(arms, columns=_ARM_COLS),
        "contrasts": pd.DataFrame(cons, columns=_CONTRAST_COLS),
        "studies": pd.DataFrame(studies, columns=_STUDY_COLS),
    }
    for name, frame in out.items():
        for col in ("n", "events", "n_treatment", "n_comparator", "n_randomised"):
            if col in frame:
                out[name][col] = pd.array(
                    [None if v is None or (isinstance(v, float) and math.isnan(v)) else int(v)
                     for v in frame[col]], dtype="Int64")  # fmt: skip
    return out


def _codes(trials: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Declared codes of every trial, for study.toml: ``label``, or ``{label, idea}``."""
    codes: dict[str, Any] = {}
    for trial in trials.values():
        for code, spec in (trial.get("codes") or {}).items():
            if isinstance(spec, dict):
                label = str(spec.get("label", code))
                idea = str(spec.get("idea") or "")
                codes.setdefault(code, {"label": label, "idea": idea} if idea else label)
            else:
                codes.setdefault(code, str(spec))
    return dict(sorted(codes.items()))


def write_evidence(out: str | Path | None = None, source: str | Path | None = None) -> Path:
    """Build the literature tables from ``source/trials`` and write the study to ``out``.

    Both default to the package's evidence folder. The same trial files give
    the same bytes.
    """
    src = _source_folder(source)
    folder = Path(out) if out is not None else src
    trials = read_trials(src)
    tables = build_tables(trials)
    meta: dict[str, Any] = {"study_id": STUDY_ID, "title": TITLE, "description": DESCRIPTION,
                            "source": "published randomised trials"}  # fmt: skip
    codes = _codes(trials)
    if codes:
        meta["codes"] = codes
    lit = folder / "literature"
    lit.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_csv(frame, lit / f"{name}.csv")
    (folder / "study.toml").write_text(toml_dumps(meta), encoding="utf-8")
    return folder


def evidence(path: str | Path | None = None) -> Study:
    """The evidence base as a :class:`~kneestudy.ingest.model.Study` (validated on load).

    Returns
    -------
    Study
        No cohorts; ``.arm_summaries`` and ``.contrasts`` hold the published
        figures (each row: citation, DOI or PMID, instrument, time point,
        verbatim quote, derivation of any number not printed), ``.studies``
        one row per trial with its RoB 2 judgement and where it comes from.
    """
    from kneestudy.ingest import load_study

    return load_study(Path(path) if path is not None else evidence_path())


def quote_failures(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Rows of the built tables whose printed numbers are missing from their quote."""
    bad = []
    fields = {
        "arm_summaries": ("n", "mean", "events", "published_ci_low", "published_ci_high",
                          "published_se"),
        "contrasts": ("n_treatment", "n_comparator", "published_estimate", "published_ci_low",
                      "published_ci_high", "published_se", "published_p"),
    }  # fmt: skip
    for name, cols in fields.items():
        frame = tables[name]
        for i, row in frame.iterrows():
            for c in (*cols, *(("sd",) if name == "arm_summaries" else ())):
                v = row.get(c)
                if c == "sd" and isinstance(row.get("derivation"), str):
                    continue
                if v is None or pd.isna(v):
                    continue
                if not in_quote(float(v), str(row["quote"])):
                    bad.append(f"{name} row {i} ({row['study_id']}): {c} = {v} not in quote")
    return bad


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kneestudy.datasets.evidence_base [--check] [OUT]``: exit 0, 1 (problems) or 2."""
    parser = argparse.ArgumentParser(
        prog="python -m kneestudy.datasets.evidence_base",
        description="Check the trial files and rebuild the evidence base's literature tables.",
    )
    parser.add_argument("out", nargs="?", help="output folder (default: the package folder)")
    parser.add_argument("--check", action="store_true", help="check only; write nothing")
    args = parser.parse_args(argv)
    trials = read_trials()
    problems = check_trials(trials)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in {len(trials)} trial file(s)", file=sys.stderr)
        return 1
    tables = build_tables(trials)
    n_rows = sum(len(tables[k]) for k in ("arm_summaries", "contrasts"))
    if args.check:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            write_evidence(tmp)
            from kneestudy.ingest import validate

            report = validate(tmp)
            if not report.ok:
                print(report.summary if hasattr(report, "summary") else report)
                return 1
        print(f"{len(trials)} trial file(s), {n_rows} rows: every number is in its quote")
        return 0
    path = write_evidence(args.out)
    print(f"evidence base written to {path} ({len(trials)} trials, {n_rows} rows)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
