"""Provenance of a study's input: the files it used, their SHA-256, the mapping applied.

Only the files a study uses are listed and hashed: ``study.toml``, each
cohort's ``cohort.toml`` and the table files its manifest names, and the
literature tables. Other files in the folder (an unrelated 2 GB export, the
quarantine of an earlier run) are not read. Files are hashed in blocks
(:func:`hashlib.file_digest`), so memory stays small whatever their size, and
a file that resolves outside the study folder (through a symbolic link) is
listed but not read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["InputFile", "file_hashes", "input_files", "mapping_table"]

HASH_COLUMNS = ("file", "role", "bytes", "sha256", "note")


@dataclass(frozen=True)
class InputFile:
    """One file a study uses: its path, its path relative to the study, and its role."""

    path: Path
    rel: str
    role: str


def _root(study: Any) -> Path | None:
    p = getattr(study, "path", None)
    return Path(p) if p is not None else None


def input_files(study: Any) -> list[InputFile]:
    """The files a study (or a one-cohort study) was read from, in reading order."""
    from kneestudy.schemas.manifest import split_sheet

    root = _root(study)
    if root is None:
        return []
    files: list[InputFile] = []
    seen: set[str] = set()

    def add(path: Path, role: str) -> None:
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            rel = path.as_posix()
        if rel not in seen and path.exists():
            seen.add(rel)
            files.append(InputFile(path, rel, role))

    add(root / "study.toml", "study manifest")
    for cohort in getattr(study, "cohorts", []):
        folder = getattr(cohort, "path", None)
        if folder is None:
            continue
        folder = Path(folder)
        add(folder / "cohort.toml", f"manifest of {cohort.cohort_id}")
        for table, rel in cohort.manifest.tables.items():
            add(folder / split_sheet(str(rel))[0], f"{table} of {cohort.cohort_id}")
    for name in ("arm_summaries", "contrasts"):
        add(root / "literature" / f"{name}.csv", f"literature: {name}")
    return files


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, ValueError):
        return False


def file_hashes(study: Any) -> pd.DataFrame:
    """SHA-256 of every file the study uses: ``file`` (relative), ``role``, ``bytes``,
    ``sha256`` and ``note`` (why a file was not hashed)."""
    root = _root(study)
    rows = []
    for f in input_files(study):
        row = {"file": f.rel, "role": f.role, "bytes": None, "sha256": None, "note": ""}
        if root is not None and not _inside(f.path, root):
            row["note"] = "resolves outside the study folder (a link); not read"
        else:
            try:
                with open(f.path, "rb") as fh:
                    row["sha256"] = hashlib.file_digest(fh, "sha256").hexdigest()
                row["bytes"] = f.path.stat().st_size
            except OSError as exc:
                row["note"] = f"not readable: {exc.strerror or exc}"
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(HASH_COLUMNS))
    return out.astype({"bytes": "Int64"})


def mapping_table(study: Any) -> pd.DataFrame:
    """The mapping each cohort's manifest applied: ``cohort``, ``table``, ``kind``
    (column, value, week, wide, format), ``source`` (theirs) and ``target`` (ours)."""
    from kneestudy.ingest.mapping import mapping_records

    frames = []
    for cohort in getattr(study, "cohorts", []):
        rec = mapping_records(cohort.manifest)
        if len(rec):
            frames.append(rec.assign(cohort=cohort.cohort_id))
    cols = ["cohort", "table", "kind", "source", "target"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]
