"""Readers and value rules: the same text rules in every format, nothing read silently wrong."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from ingest_helpers import edit_line, has_failure, notes_of, reconciles, run_validate, write_toml

from kneestudy.ingest import load_cohort

P, V = "participants.csv", "visits.csv"


def _point(folder, table, new_file):
    toml = folder / "cohort.toml"
    toml.write_text(toml.read_text().replace(f'{table} = "{table}.csv"', f'{table} = "{new_file}"'))


def _frame(folder, file):
    return pd.read_csv(folder / file, dtype=str, keep_default_na=False)


# -- numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0x1E", "hexadecimal"),
        ("1,5", "decimal comma"),
        ("true", "true/false"),
        ("5 points", "is not a number"),
    ],
)
def test_numbers_are_decimal_only(cohort_dir, text, words):
    edit_line(cohort_dir / V, 3, "EX-001,2,4,74,5,", f'EX-001,2,4,74,"{text}",')
    code, report = run_validate(cohort_dir)
    assert code == 1 and reconciles(report)
    (f,) = [f for f in report["failures"] if f["column"] == "grc"]
    assert (f["row"], f["rule"], f["value"]) == (3, "dtype", text)
    assert words in f["message"]


def test_hex_in_a_whole_number_column_is_not_thirty(cohort_dir):
    v = _frame(cohort_dir, V)
    v.loc[1, "grc"] = "0x5"
    v.to_csv(cohort_dir / V, index=False)
    code, report = run_validate(cohort_dir)
    assert has_failure(report, V, 3, "grc", "dtype")


def test_spaces_around_numbers_and_text_are_trimmed(cohort_dir):
    expected = load_cohort(cohort_dir)
    p = _frame(cohort_dir, P)
    p["participant_id"] = " " + p["participant_id"] + "  "
    p["age"] = " " + p["age"]
    p.to_csv(cohort_dir / P, index=False)
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    assert any("8 value(s) had spaces around them; trimmed" in n for n in notes_of(report))
    pd.testing.assert_frame_equal(load_cohort(cohort_dir).participants, expected.participants)


# -- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule", "words"),
    [
        ("2025", "iso_date", "partial date"),
        ("2025-01", "iso_date", "partial date"),
        ("2025-02-30", "iso_date", "not a calendar date"),
        ("2025-01-06T10:00:00Z", "time_zone", "time zone"),
        ("2025-01-06 10:00+01:00", "time_zone", "time zone"),
        ("06/01/2025", "iso_date", "not an ISO 8601 date"),
    ],
)
def test_dates(cohort_dir, text, rule, words):
    edit_line(cohort_dir / P, 2, "2025-01-06", text)
    code, report = run_validate(cohort_dir)
    assert code == 1 and reconciles(report)
    (f,) = [f for f in report["failures"] if f["column"] == "randomized_on"]
    assert (f["row"], f["rule"], f["value"]) == (2, rule, text)
    assert words in f["message"]


def test_time_zones_converted_to_utc_when_declared(cohort_dir):
    edit_line(cohort_dir / P, 2, "2025-01-06", "2025-01-06T00:30:00+01:00")
    edit_line(cohort_dir / P, 3, "2025-01-08", "2025-01-08T12:00Z")
    write_toml(cohort_dir, '[format.participants]\ntime_zone = "utc"\n')
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    got = load_cohort(cohort_dir).participants["randomized_on"]
    assert got.iloc[0] == pd.Timestamp("2025-01-05 23:30:00")
    assert got.iloc[1] == pd.Timestamp("2025-01-08 12:00:00")


def test_parquet_times_with_a_zone(cohort_dir):
    p = load_cohort(cohort_dir).participants
    p["randomized_on"] = p["randomized_on"].dt.tz_localize("Europe/Oslo")
    p.to_parquet(cohort_dir / "participants.parquet", index=False)
    _point(cohort_dir, "participants", "participants.parquet")
    code, report = run_validate(cohort_dir)
    assert code == 1 and reconciles(report)
    assert has_failure(report, "participants.parquet", 1, "randomized_on", "time_zone")
    write_toml(cohort_dir, '[format.participants]\ntime_zone = "utc"\n')
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    got = load_cohort(cohort_dir).participants["randomized_on"]
    assert got.iloc[0] == pd.Timestamp("2025-01-05 23:00:00")  # midnight in Oslo, UTC+1


def test_parquet_duration_and_timestamp_in_a_number_column(cohort_dir):
    v = load_cohort(cohort_dir).visits
    v["week"] = pd.to_timedelta(v["week"] * 7, unit="D")
    v.to_parquet(cohort_dir / "visits.parquet", index=False)
    _point(cohort_dir, "visits", "visits.parquet")
    code, report = run_validate(cohort_dir)
    assert code == 1 and reconciles(report)
    f = [f for f in report["failures"] if f["column"] == "week"]
    assert f and f[0]["rule"] == "dtype" and "durations" in f[0]["message"]
    assert not any(x["value"] and "e+15" in x["value"] for x in report["failures"])
    p = _frame(cohort_dir, P)
    p["age"] = pd.Timestamp("2000-01-01")
    p.to_parquet(cohort_dir / "participants.parquet", index=False)
    _point(cohort_dir, "participants", "participants.parquet")
    _, report = run_validate(cohort_dir)
    f = [f for f in report["failures"] if f["column"] == "age"]
    assert f and "dates or times" in f[0]["message"]


# -- the same text rules in every format ---------------------------------------------------


def test_na_id_is_missing_in_every_format(cohort_dir):
    edit_line(cohort_dir / V, 3, "EX-001,2,", "NA,2,")
    _, csv_report = run_validate(cohort_dir)
    v = _frame(cohort_dir, V)
    v["week"] = v["week"].astype(float)
    for c in ("pain", "akps", "grc", "adherence"):
        v[c] = pd.to_numeric(v[c])
    v.to_parquet(cohort_dir / "visits.parquet", index=False)
    _point(cohort_dir, "visits", "visits.parquet")
    _, pq_report = run_validate(cohort_dir)
    assert has_failure(csv_report, V, 3, "participant_id", "not_null")
    assert has_failure(pq_report, "visits.parquet", 2, "participant_id", "not_null")


def test_declared_na_values(cohort_dir):
    edit_line(cohort_dir / V, 3, "EX-001,2,4,", "EX-001,2,-,")
    code, report = run_validate(cohort_dir)
    assert has_failure(report, V, 3, "pain", "dtype")
    write_toml(cohort_dir, '[format.visits]\nna_values = ["-", ""]\n')
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]


def test_excel_sheet_by_name(cohort_dir):
    v = load_cohort(cohort_dir).visits
    path = cohort_dir / "trial.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"note": ["not the data"]}).to_excel(xw, sheet_name="About", index=False)
        v.to_excel(xw, sheet_name="Visits", index=False)
    _point(cohort_dir, "visits", "trial.xlsx")
    code, report = run_validate(cohort_dir)
    assert code == 1
    (f,) = [f for f in report["failures"] if f["file"] == "trial.xlsx"]
    assert f["rule"] == "sheet" and "'About', 'Visits'" in f["message"]
    assert '"trial.xlsx#About"' in f["message"]
    toml = cohort_dir / "cohort.toml"
    toml.write_text(toml.read_text().replace('"trial.xlsx"', '"trial.xlsx#visits"'))
    _, report = run_validate(cohort_dir)
    (f,) = [f for f in report["failures"] if f["file"] == "trial.xlsx"]
    assert f["rule"] == "sheet" and "did you mean 'Visits'?" in f["message"]
    toml.write_text(toml.read_text().replace('"trial.xlsx#visits"', '"trial.xlsx#Visits"'))
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    pd.testing.assert_frame_equal(load_cohort(cohort_dir).visits, v)


def test_tsv_and_gzip(cohort_dir):
    expected = load_cohort(cohort_dir)
    p = _frame(cohort_dir, P)
    p.to_csv(cohort_dir / "participants.tsv", sep="\t", index=False)
    (cohort_dir / "visits.csv.gz").write_bytes(gzip.compress((cohort_dir / V).read_bytes()))
    _point(cohort_dir, "participants", "participants.tsv")
    _point(cohort_dir, "visits", "visits.csv.gz")
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    got = load_cohort(cohort_dir)
    pd.testing.assert_frame_equal(got.participants, expected.participants)
    pd.testing.assert_frame_equal(got.visits, expected.visits)
    edit_line(cohort_dir / V, 3, "EX-001,2,4,", "EX-001,2,44,")
    (cohort_dir / "visits.csv.gz").write_bytes(gzip.compress((cohort_dir / V).read_bytes()))
    _, report = run_validate(cohort_dir)
    assert has_failure(report, "visits.csv.gz", 3, "pain", "in_range")
    (cohort_dir / "visits.csv.gz").write_bytes(b"not gzip")
    _, report = run_validate(cohort_dir)
    assert has_failure(report, "visits.csv.gz", None, None, "readable")


def _labelled(cohort_dir, ext):
    import pyreadstat

    p = load_cohort(cohort_dir).participants
    frame = pd.DataFrame(
        {
            "participant_id": p["participant_id"],
            "arm": p["arm"].map({"Hip + knee exercise": 1.0, "Knee exercise": 2.0}),
            "intervention": p["intervention"],
            "age": p["age"],
            "sex": p["sex"].map({"female": 1.0, "male": 2.0, "other": 3.0}).astype(float),
            "bmi": p["bmi"],
        }
    )
    labels = {
        "arm": {1.0: "Hip + knee exercise", 2.0: "Knee exercise"},
        "sex": {1.0: "female", 2.0: "male", 3.0: "other"},
        "age": {90.0: "90 or older"},
    }
    path = cohort_dir / f"participants.{ext}"
    writer = pyreadstat.write_sav if ext == "sav" else pyreadstat.write_dta
    writer(frame, str(path), variable_value_labels=labels)
    _point(cohort_dir, "participants", path.name)
    return p


@pytest.mark.parametrize("ext", ["sav", "dta"])
def test_spss_and_stata_value_labels(cohort_dir, ext):
    expected = _labelled(cohort_dir, ext)
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    got = load_cohort(cohort_dir).participants
    assert list(got["arm"]) == list(expected["arm"])  # labels, not "1" and "2"
    assert list(got["sex"].astype(str)) == list(expected["sex"].astype(str))
    assert np.allclose(got["age"], expected["age"])  # a numeric column keeps its numbers
    assert any("labels" in n and "numbers are kept" in n for n in notes_of(report, "age"))


def test_value_map_by_code_or_label(cohort_dir):
    _labelled(cohort_dir, "sav")
    write_toml(
        cohort_dir, '[values.participants.arm]\n1 = "Hip and knee"\n"Knee exercise" = "Knee"\n'
    )
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    assert set(load_cohort(cohort_dir).participants["arm"]) == {"Hip and knee", "Knee"}


def test_nul_byte_in_a_table_path(cohort_dir):
    toml = cohort_dir / "cohort.toml"
    toml.write_text(toml.read_text().replace('"visits.csv"', '"visits\\u0000.csv"'))
    code, report = run_validate(cohort_dir)
    assert code == 1 and reconciles(report)
    (f,) = [f for f in report["failures"] if f["column"] == "tables.visits"]
    assert f["rule"] == "path_inside_cohort" and "control character" in f["message"]


@pytest.mark.parametrize("weeks", ["[0, nan, 6]", "[0, inf]", "[0, 2, -inf]"])
def test_visit_weeks_must_be_finite(cohort_dir, weeks):
    toml = cohort_dir / "cohort.toml"
    toml.write_text(toml.read_text().replace("visit_weeks = [0, 2, 6]", f"visit_weeks = {weeks}"))
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, "cohort.toml", None, "visit_weeks", "finite")
