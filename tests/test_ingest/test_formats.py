"""Readers: every file format, encodings, and files a reader cannot make sense of."""

from __future__ import annotations

import pandas as pd
import pytest
from ingest_helpers import has_failure, run_validate

from kneestudy.errors import ReadError
from kneestudy.ingest import load_cohort, read_table


def _switch(cohort_dir, table, ext, writer):
    """Rewrite one table of the cohort in another format and point the manifest at it."""
    frame = pd.read_csv(cohort_dir / f"{table}.csv", dtype=str, keep_default_na=False)
    frame = frame.replace("", None)
    writer(frame, cohort_dir / f"{table}.{ext}")
    (cohort_dir / f"{table}.csv").unlink()
    toml = cohort_dir / "cohort.toml"
    toml.write_text(toml.read_text().replace(f"{table}.csv", f"{table}.{ext}"))


def _numeric(frame):
    out = frame.copy()
    for c in ("week", "pain", "akps", "grc", "adherence"):
        out[c] = pd.to_numeric(out[c])
    return out


WRITERS = {
    "parquet": lambda f, p: _numeric(f).to_parquet(p, index=False),
    "xlsx": lambda f, p: _numeric(f).to_excel(p, index=False),
    "dta": lambda f, p: _numeric(f).astype({"grc": "float64"}).to_stata(p, write_index=False),
    "sav": lambda f, p: __import__("pyreadstat").write_sav(
        _numeric(f).astype({"grc": "float64"}), str(p)
    ),
    "xpt": lambda f, p: __import__("pyreadstat").write_xport(
        _numeric(f).astype({"grc": "float64"}), str(p)
    ),
}


@pytest.mark.parametrize("ext", list(WRITERS))
def test_formats_load_equal_to_csv(cohort_dir, ext):
    expected = load_cohort(cohort_dir).visits
    _switch(cohort_dir, "visits", ext, WRITERS[ext])
    got = load_cohort(cohort_dir).visits
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize(("ext", "row"), [("parquet", 2), ("xlsx", 3), ("dta", 2), ("sav", 2)])
def test_bad_value_row_numbers(cohort_dir, ext, row):
    """Excel rows are sheet rows (header = 1); other binary formats give record numbers."""

    def writer(frame, path):
        frame = _numeric(frame).astype({"grc": "float64"})
        frame.loc[1, "pain"] = 42.0
        WRITERS[ext](frame, path) if ext != "parquet" else frame.to_parquet(path, index=False)

    _switch(cohort_dir, "visits", ext, writer)
    _, report = run_validate(cohort_dir)
    assert has_failure(report, f"visits.{ext}", row, "pain", "in_range")


def test_bom_and_crlf(cohort_dir):
    path = cohort_dir / "participants.csv"
    text = path.read_text()
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    assert list(read_table(path).columns)[0] == "participant_id"


@pytest.mark.parametrize(
    ("content", "rule", "words"),
    [
        (b"", "empty_file", "empty"),
        (b"\x00\x01\x02PK binary", "binary_file", "binary"),
        (b"PK\x03\x04\x00\x00rest", "binary_file", "Excel"),
        (b"participant_id;arm;age\nA;x;30\n", "delimiter", "semicolons"),
        (b"participant_id\tarm\tage\nA\tx\t30\n", "delimiter", "tabs"),
        ("participant_id,arm\nJos\xe9,x\n".encode("latin-1"), "encoding", "UTF-8"),
        ("participant_id,arm\nA,x\n".encode("utf-16"), "encoding", "UTF-16"),
    ],
)
def test_unreadable_csv(cohort_dir, content, rule, words):
    (cohort_dir / "participants.csv").write_bytes(content)
    code, report = run_validate(cohort_dir)
    assert code == 1
    (f,) = [f for f in report["failures"] if f["file"] == "participants.csv"]
    assert (f["row"], f["rule"]) == (None, rule)
    assert words in f["message"] and "participants.csv" in f["message"]
    with pytest.raises(ReadError, match="participants.csv"):
        read_table(cohort_dir / "participants.csv")


def test_duplicate_column_is_never_renamed(cohort_dir):
    path = cohort_dir / "participants.csv"
    lines = path.read_text().split("\n")
    lines[0] = lines[0] + ",age"
    lines[1:] = [ln + ",30" if ln else ln for ln in lines[1:]]
    path.write_text("\n".join(lines))
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, "participants.csv", None, "age", "duplicate_column")
    (f,) = [f for f in report["failures"] if f["rule"] == "duplicate_column"]
    assert "columns 5 and 12" in f["message"].replace(", ", " and ")
    with pytest.raises(ReadError, match="appears 2 times"):
        read_table(path)


def test_ragged_row_is_reported_not_dropped(cohort_dir):
    path = cohort_dir / "visits.csv"
    with open(path, "a") as fh:
        fh.write("EX-001,12,1,90\n\nEX-002,12,1,90,6,1,extra\n")
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, "visits.csv", 25, None, "field_count")
    assert has_failure(report, "visits.csv", 27, None, "field_count")
    (rows,) = [r for r in report["rows"] if r["file"] == "visits.csv"]
    assert (rows["read"], rows["invalid"]) == (25, 2)


def test_unsupported_and_missing_files(cohort_dir):
    toml = cohort_dir / "cohort.toml"
    toml.write_text(toml.read_text().replace('events = "events.csv"', 'events = "events.json"'))
    (cohort_dir / "adverse_events.csv").unlink()
    _, report = run_validate(cohort_dir)
    assert has_failure(report, "events.json", None, None, "file_type")
    assert has_failure(report, "adverse_events.csv", None, None, "missing_file")


def test_garbage_excel_and_parquet(cohort_dir):
    for ext in ("xlsx", "parquet"):
        (cohort_dir / f"visits.{ext}").write_bytes(b"not really a file")
        toml = cohort_dir / "cohort.toml"
        toml.write_text(
            toml.read_text().replace('visits = "visits.csv"', f'visits = "visits.{ext}"')
        )
        _, report = run_validate(cohort_dir)
        assert has_failure(report, f"visits.{ext}", None, None, "readable")
        toml.write_text(
            toml.read_text().replace(f'visits = "visits.{ext}"', 'visits = "visits.csv"')
        )


def test_old_mac_line_endings(cohort_dir):
    path = cohort_dir / "adverse_events.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]


def test_huge_whole_number_is_a_dtype_failure(cohort_dir):
    from ingest_helpers import edit_line

    edit_line(cohort_dir / "visits.csv", 3, ",5,0.9", ",1e30,0.9")
    _, report = run_validate(cohort_dir)
    assert has_failure(report, "visits.csv", 3, "grc", "dtype")
