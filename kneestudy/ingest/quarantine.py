"""Quarantine: the rows validation set aside, written as read, each with its reasons.

A quarantine folder holds, per table with rejected rows, ``<table>.csv``: the
rows as the file holds them (its own column names) plus three columns of
quarantine's own, the source row (``_row``), the reasons (``_reasons``,
``column: rule (message)`` joined by ``; ``) and, for records that could not
be split into fields, their text (``_text``). When the file already has a
column of one of these names, quarantine's takes more underscores
(``__row``), so no column of the data is overwritten. ``failures.csv`` and
``report.txt`` hold the report. Every rejected row is written, however many
failures the report lists.

The default folder sits beside the data, never inside a study's
``cohorts/`` (where it would be read as a cohort): ``<cohort>.quarantine/``
beside a lone cohort, ``<study>.quarantine/`` beside a study.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kneestudy.ingest.convert import TableState, messages_at

__all__ = ["default_quarantine", "own_columns", "study_of", "write_quarantine"]


def study_of(cohort_folder: Path) -> Path | None:
    """The study folder a cohort folder belongs to (``<study>/cohorts/<cohort>``), or None."""
    parent = cohort_folder.resolve().parent
    if parent.name == "cohorts" and (parent.parent / "study.toml").is_file():
        return parent.parent
    return None


def default_quarantine(folder: Path) -> Path:
    """Where rejected rows of a cohort or study folder go by default (beside it)."""
    folder = Path(folder)
    if (folder / "study.toml").is_file():
        return folder.parent / f"{folder.name}.quarantine"
    study = study_of(folder)
    if study is not None:
        return study.parent / f"{study.name}.quarantine" / "cohorts" / folder.name
    return folder.parent / f"{folder.name}.quarantine"


def own_columns(columns: Any) -> dict[str, str]:
    """Quarantine's column names, made unlike every column of the data."""
    taken = {str(c) for c in columns}
    out = {}
    for base in ("row", "reasons", "text"):
        name = f"_{base}"
        while name in taken:
            name = "_" + name
        out[base] = name
        taken.add(name)
    return out


def _reasons(state: TableState, report: Any) -> pd.Series:
    """Reasons of each rejected row, by source row: from every failure kept while
    validating (all of them) or, without those, from the failures the report lists."""
    parts: list[pd.DataFrame] = []
    if state.reasons is not None:
        for pos, column, rule, message in state.reasons:
            msgs = messages_at(message, pos)
            if isinstance(msgs, str):
                msgs = [msgs] * len(pos)
            parts.append(
                pd.DataFrame(
                    {
                        "row": state.rows[pos],
                        "text": [
                            f"{column or ''}: {rule} ({m})" for m in np.asarray(msgs, dtype=object)
                        ],
                    }
                )
            )
    else:
        f = report.failures
        mine = f[(f["table"] == state.name) & (f["file"] == state.file) & f["row"].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "row": mine["row"].astype("int64").to_numpy(),
                    "text": (
                        mine["column"].fillna("").astype(str)
                        + ": "
                        + mine["rule"]
                        + " ("
                        + mine["message"].astype(str)
                        + ")"
                    ).to_numpy(),
                }
            )
        )
    if not parts:
        return pd.Series(dtype=object)
    allp = pd.concat(parts, ignore_index=True)
    return allp.groupby("row", sort=False)["text"].agg("; ".join)


def write_quarantine(
    qdir: Path, states: dict[str, TableState], report: Any, prefix: str | None = None
) -> Path:
    """Write each table's rejected rows (as read) with their source row and reasons.

    ``prefix`` (a cohort's ``cohorts/<name>/`` in a study) restricts
    ``failures.csv`` to the files under it.
    """
    qdir = Path(qdir)
    qdir.mkdir(parents=True, exist_ok=True)
    for name, s in states.items():
        if not s.bad.any() and not s.unparsed:
            continue
        original = s.original if s.original is not None else s.raw
        own = own_columns(original.columns)
        reasons = _reasons(s, report)
        rows = s.rows[s.bad]
        out = original.loc[s.bad].copy() if len(original) == len(s.bad) else original.iloc[:0]
        out.insert(0, own["reasons"], pd.Series(rows).map(reasons).to_numpy())
        out.insert(0, own["row"], rows)
        if s.unparsed:
            extra = pd.DataFrame(
                {
                    own["row"]: [u[0] for u in s.unparsed],
                    own["reasons"]: [f"field_count ({u[2]})" for u in s.unparsed],
                    own["text"]: [u[1] for u in s.unparsed],
                }
            )
            out = pd.concat([out, extra], ignore_index=True)
        out.to_csv(qdir / f"{name}.csv", index=False)
    f = report.failures
    if prefix is not None:
        f = f[f["file"].fillna("").astype(str).str.startswith(prefix)]
    f.to_csv(qdir / "failures.csv", index=False)
    (qdir / "report.txt").write_text(str(report) + "\n", encoding="utf-8")
    return qdir
