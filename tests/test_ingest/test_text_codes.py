"""Text columns factorised while reading report exactly what the row-wise path reports.

CSV and Parquet readers hand ``convert_table`` the codes and distinct values
of each text column (``RawTable.codes``); the checks then run once per
distinct value. Every case of the bad-input corpus, in CSV and in Parquet,
must give the same report (failures, values, messages, row counts) as the
row-wise path, which runs when a reader gives no codes (Excel, SAS, memory).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from ingest_helpers import edit_line
from test_corpus import CASES

import kneestudy.ingest.load as load_module
from kneestudy.ingest import validate
from kneestudy.ingest.readers import factorize_text, read_raw, text_values
from kneestudy.ingest.rules import participant_positions

TABLE_FILES = ("participants", "visits", "adverse_events", "events")


def _row_wise(monkeypatch) -> None:
    """Make the loader drop the readers' codes, so every column takes the row-wise path."""

    def without_codes(path, text_columns=frozenset(), options=None):
        raw = read_raw(path, text_columns, options)
        assert raw.codes or raw.format not in ("csv", "parquet")  # the fast path was on
        return dataclasses.replace(raw, codes={})

    monkeypatch.setattr(load_module, "read_raw", without_codes)


def _to_parquet(folder: Path) -> None:
    """Rewrite a CSV cohort as Parquet, each table as the CSV reader typed it."""
    from kneestudy.ingest.load import _text_columns
    from kneestudy.schemas.spec import table_spec

    for name in TABLE_FILES:
        csv = folder / f"{name}.csv"
        raw = read_raw(csv, _text_columns(table_spec(name)))
        raw.frame.to_parquet(folder / f"{name}.parquet", index=False)
        csv.unlink()
    toml = folder / "cohort.toml"
    toml.write_text(toml.read_text().replace(".csv", ".parquet"), encoding="utf-8")


def _reports_match(folder: Path, monkeypatch) -> pd.DataFrame:
    fast = validate(folder)
    with monkeypatch.context() as m:
        _row_wise(m)
        slow = validate(folder)
    pd.testing.assert_frame_equal(fast.failures, slow.failures)
    pd.testing.assert_frame_equal(fast.rows, slow.rows)
    return fast.failures


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize(("file", "line", "old", "new", "column", "rule"), CASES)
def test_corpus_reports_match_row_wise(
    cohort_dir, monkeypatch, fmt, file, line, old, new, column, rule
):
    edit_line(cohort_dir / file, line, old, new)
    if fmt == "parquet":
        _to_parquet(cohort_dir)
    failures = _reports_match(cohort_dir, monkeypatch)
    stem = file.removesuffix(".csv")
    target = f"{stem}.{fmt}"
    hit = failures[(failures["file"] == target) & (failures["column"] == column)]
    assert rule in set(hit["rule"]), failures  # the case is still caught


def test_parquet_blank_text_and_reordered_ids(cohort_dir, monkeypatch):
    _to_parquet(cohort_dir)
    p = pd.read_parquet(cohort_dir / "participants.parquet")
    p.loc[0, "arm"] = "   "  # blank text is missing, as in CSV
    p.loc[1, "sex"] = ""
    p.loc[2, "participant_id"] = p.loc[3, "participant_id"]  # duplicate id
    p.to_parquet(cohort_dir / "participants.parquet", index=False)
    v = pd.read_parquet(cohort_dir / "visits.parquet").iloc[::-1]  # ids in another order
    v.loc[v.index[0], "participant_id"] = None
    v.to_parquet(cohort_dir / "visits.parquet", index=False)
    failures = _reports_match(cohort_dir, monkeypatch)
    rules = set(zip(failures["column"], failures["rule"], strict=True))
    assert {("arm", "not_null"), ("participant_id", "unique")} <= rules
    assert ("participant_id", "not_null") in rules


def test_factorize_text_chunks_nulls_and_blanks():
    col = pa.chunked_array(
        [pa.array(["b", None, " ", "a", "\t\u00a0"]), pa.array(["a", "", "c", " b ", "b"])]
    )
    codes, uniques = factorize_text(col, blank_to_null=True)
    values = text_values(codes, uniques)
    assert list(values) == ["b", None, None, "a", None, "a", None, "c", " b ", "b"]
    kept = factorize_text(col)
    assert list(text_values(*kept)) == col.to_pylist()
    assert codes.dtype == np.int64 and uniques.dtype == object


def test_factorize_text_empty_column():
    codes, uniques = factorize_text(pa.chunked_array([], type=pa.string()))
    assert len(codes) == 0 and len(text_values(codes, uniques)) == 0


def test_participant_positions_by_codes_equal_series_lookup(cohort_dir):
    from kneestudy.ingest.convert import convert_table
    from kneestudy.ingest.readers import RawTable
    from kneestudy.ingest.report import Collector
    from kneestudy.schemas.spec import table_spec

    rng = np.random.default_rng(7)
    pids = np.array([f"P{i}" for i in rng.permutation(40)] + ["P3", None], dtype=object)
    vids = rng.choice(np.array([f"P{i}" for i in range(50)] + [None], dtype=object), 300)

    def state(name, ids):
        col = pa.chunked_array([pa.array(list(ids[:7]), pa.string()), pa.array(list(ids[7:]))])
        frame = pd.DataFrame({"participant_id": text_values(*factorize_text(col))})
        raw = RawTable(frame, np.arange(len(ids)) + 2, "csv", codes={})
        raw.codes["participant_id"] = factorize_text(col)
        return convert_table(name, None, raw, table_spec(name), Collector())

    p, v = state("participants", pids), state("visits", vids)
    expected = participant_positions(pd.Series(pids), pd.Series(vids))
    np.testing.assert_array_equal(participant_positions(p, v), expected)
    assert (expected >= 0).any() and (expected < 0).any()
    same = state("visits", pids)  # identical ids in identical order: no hashing
    np.testing.assert_array_equal(
        participant_positions(p, same), participant_positions(pd.Series(pids), pd.Series(pids))
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tables_read_side_by_side_report_the_same(cohort_dir, monkeypatch, fmt):
    edit_line(cohort_dir / "visits.csv", 3, "EX-001,2,", "EX-999,2,")  # foreign key
    (cohort_dir / "events.csv").write_bytes(b"\xff\xfe")  # unreadable
    if fmt == "parquet":
        (cohort_dir / "events.csv").unlink()
        (cohort_dir / "events.parquet").write_bytes(b"PAR1 not parquet")
        csvs = [f for f in TABLE_FILES if f != "events"]
        for name in csvs:
            raw = read_raw(cohort_dir / f"{name}.csv", _text(name))
            raw.frame.to_parquet(cohort_dir / f"{name}.parquet", index=False)
            (cohort_dir / f"{name}.csv").unlink()
        toml = cohort_dir / "cohort.toml"
        toml.write_text(toml.read_text().replace(".csv", ".parquet"), encoding="utf-8")
    one_by_one = validate(cohort_dir)
    calls = []
    real = load_module._read_all

    def spy(paths, *args):
        result = real(paths, *args)
        calls.append(sorted(result))
        return result

    monkeypatch.setattr(load_module, "_PARALLEL_BYTES", 0)
    monkeypatch.setattr(load_module, "_read_all", spy)
    side_by_side = validate(cohort_dir)
    assert calls == [sorted(TABLE_FILES)]  # every table was read ahead
    pd.testing.assert_frame_equal(side_by_side.failures, one_by_one.failures)
    pd.testing.assert_frame_equal(side_by_side.rows, one_by_one.rows)
    assert {"foreign_key", "encoding" if fmt == "csv" else "readable"} <= set(
        one_by_one.failures["rule"]
    )


def _text(name: str) -> frozenset[str]:
    from kneestudy.ingest.load import _text_columns
    from kneestudy.schemas.spec import table_spec

    return _text_columns(table_spec(name))


def test_messages_of_repeats_rejections_and_codes(cohort_dir):
    """Messages built for the failing rows only are the ones the report always gave."""
    edit_line(cohort_dir / "participants.csv", 3, "EX-002", "EX-001")
    edit_line(cohort_dir / "visits.csv", 3, "EX-001,2,", "EX-001,0,")
    edit_line(cohort_dir / "participants.csv", 4, "+quadriceps_strengthening", "+yoga")
    f = validate(cohort_dir).failures
    got = {
        (r.file, r.row, r.column, r.rule, r.value, r.message)
        for r in f.itertuples()
        if r.rule in ("unique", "known_code", "participant_rejected")
    }
    p, v = "participants.csv", "visits.csv"
    rejected = "participant {} was rejected (participants.csv line {})"
    expected = {
        (p, 2, "participant_id", "unique", "EX-001", "participant_id is repeated on line 3"),
        (p, 3, "participant_id", "unique", "EX-001", "participant_id repeats line 2"),
        (v, 2, "week", "unique", "EX-001, 0", "(participant_id, week) is repeated on line 3"),
        (v, 3, "week", "unique", "EX-001, 0", "(participant_id, week) repeats line 2"),
        (
            p,
            4,
            "intervention",
            "known_code",
            "glute_strengthening+yoga",
            "unknown intervention code(s) 'yoga'; use a registry code or declare it in the "
            "manifest's [codes] table (codes of your own map onto registry codes with "
            "[values.TABLE.COLUMN])",
        ),
        (v, 4, "participant_id", "participant_rejected", "EX-001", rejected.format("EX-001", 2)),
        *(
            (
                v,
                row,
                "participant_id",
                "participant_rejected",
                "EX-003",
                rejected.format("EX-003", 4),
            )
            for row in (8, 9, 10)
        ),
        (
            "events.csv",
            2,
            "participant_id",
            "participant_rejected",
            "EX-001",
            rejected.format("EX-001", 2),
        ),
        (
            "events.csv",
            4,
            "participant_id",
            "participant_rejected",
            "EX-003",
            rejected.format("EX-003", 4),
        ),
    }
    assert got == expected
