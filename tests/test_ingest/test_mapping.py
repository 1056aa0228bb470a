"""Mapping in the manifest: their columns, codes, visit names, formats and wide tables."""

from __future__ import annotations

import pandas as pd
import pytest
from ingest_helpers import has_failure, notes_of, reconciles, run_cli, run_validate, write_toml

from kneestudy.ingest import load_cohort

P, V = "participants.csv", "visits.csv"


def _frame(folder, file):
    return pd.read_csv(folder / file, dtype=str, keep_default_na=False)


def test_columns_values_and_weeks(cohort_dir):
    expected = load_cohort(cohort_dir)
    p = _frame(cohort_dir, P).rename(columns={"participant_id": "Subject", "sex": "SEX"})
    p["SEX"] = p["SEX"].map({"female": "1", "male": "2", "other": "3", "": ""})
    p.to_csv(cohort_dir / P, index=False)
    v = _frame(cohort_dir, V).rename(columns={"participant_id": "Subject", "pain": "VAS_worst"})
    v["week"] = v["week"].map({"0": "Baseline", "2": "Week 2", "6": "Week 6"})
    v.to_csv(cohort_dir / V, index=False)
    write_toml(
        cohort_dir,
        '[columns.participants]\nparticipant_id = "Subject"\nsex = "SEX"\n'
        '[columns.visits]\nparticipant_id = "Subject"\npain = "VAS_worst"\n'
        '[values.participants.sex]\n1 = "female"\n2 = "male"\n3 = "other"\n'
        '[weeks]\nBaseline = 0\n"Week 2" = 2\n"Week 6" = 6\n',
    )  # the other tables still use participant_id
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    assert reconciles(report)
    assert any("pain read from the column 'VAS_worst'" in n for n in notes_of(report, "pain"))
    assert any("mapped by [values.participants.sex]" in n for n in notes_of(report, "sex"))
    assert any("3 visit or event name(s) mapped by [weeks]" in n for n in notes_of(report, "week"))
    got = load_cohort(cohort_dir)
    pd.testing.assert_frame_equal(got.participants, expected.participants)
    pd.testing.assert_frame_equal(got.visits, expected.visits)


def test_a_code_not_in_the_values_table_fails_by_name(cohort_dir):
    p = _frame(cohort_dir, P)
    p["sex"] = p["sex"].map({"female": "1", "male": "2", "other": "9", "": ""})
    p.to_csv(cohort_dir / P, index=False)
    write_toml(cohort_dir, '[values.participants.sex]\n1 = "female"\n2 = "male"\n')
    code, report = run_validate(cohort_dir)
    assert code == 1 and reconciles(report)
    (f,) = [f for f in report["failures"] if f["column"] == "sex"]
    line = 2 + int(p.index[p["sex"] == "9"][0])
    assert (f["row"], f["rule"], f["value"]) == (line, "allowed_values", "9")
    assert any("codes not in that table, kept as read: '9' (1 rows)" in n for n in notes_of(report))


def test_missing_value_code(cohort_dir):
    v = _frame(cohort_dir, V)
    v.loc[2, "pain"] = "999"
    v.to_csv(cohort_dir / V, index=False)
    write_toml(cohort_dir, '[values.visits.pain]\n999 = ""\n')
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    assert load_cohort(cohort_dir).visits["pain"].isna().sum() == 1


def test_mapping_a_column_that_is_not_there(cohort_dir):
    write_toml(cohort_dir, '[columns.visits]\npain = "VAS worst"\n')
    v = _frame(cohort_dir, V).rename(columns={"pain": "VAS_worst"})
    v.to_csv(cohort_dir / V, index=False)
    code, report = run_validate(cohort_dir)
    assert code == 1 and reconciles(report)
    (f,) = [f for f in report["failures"] if f["rule"] == "mapped_column"]
    assert f["file"] == V and f["row"] is None and f["column"] == "pain"
    assert "did you mean 'VAS_worst'?" in f["message"]


def test_mapping_onto_a_name_the_file_has_too(cohort_dir):
    v = _frame(cohort_dir, V)
    v["VAS"] = v["pain"]
    v.to_csv(cohort_dir / V, index=False)
    write_toml(cohort_dir, '[columns.visits]\npain = "VAS"\n')
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, V, None, "pain", "mapped_column")


def test_decimal_comma_semicolons_and_latin1(cohort_dir):
    expected = load_cohort(cohort_dir).participants
    p = _frame(cohort_dir, P)
    p.loc[0, "arm"] = "Hüfte + Knie"
    p.loc[p["arm"] == "Hip + knee exercise", "arm"] = "Hüfte + Knie"
    for col in ("age", "bmi", "symptom_months", "weekly_km", "withdrawal_week"):
        p[col] = p[col].str.replace(".", ",", regex=False)
    p["randomized_on"] = [
        pd.Timestamp(x).strftime("%d.%m.%Y") if x and "-" in x else x for x in p["randomized_on"]
    ]
    (cohort_dir / P).write_bytes(p.to_csv(index=False, sep=";").encode("latin-1"))
    write_toml(
        cohort_dir,
        '[format.participants]\nencoding = "latin-1"\ndelimiter = ";"\ndecimal = ","\n'
        'date_format = "%d.%m.%Y"\n',
    )
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    got = load_cohort(cohort_dir).participants
    pd.testing.assert_series_equal(got["bmi"], expected["bmi"])
    pd.testing.assert_series_equal(got["randomized_on"], expected["randomized_on"])
    assert got.loc[0, "arm"] == "Hüfte + Knie"


def test_thousands_separator_only_when_declared(cohort_dir):
    p = _frame(cohort_dir, P)
    p.loc[2, "weekly_km"] = "1,200"
    p.to_csv(cohort_dir / P, index=False)
    code, report = run_validate(cohort_dir)
    (f,) = [f for f in report["failures"] if f["column"] == "weekly_km"]
    assert (f["row"], f["rule"]) == (4, "dtype") and "digit group separator" in f["message"]
    write_toml(cohort_dir, '[format.participants]\nthousands = ","\n')
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    assert load_cohort(cohort_dir).participants.loc[2, "weekly_km"] == 1200.0


def test_wide_visits(cohort_dir):
    expected = load_cohort(cohort_dir).visits
    v = _frame(cohort_dir, V)
    wide = v.pivot(
        index="participant_id", columns="week", values=["pain", "akps", "grc", "adherence"]
    )
    wide.columns = [f"{m}_w{w}" for m, w in wide.columns]
    wide = wide.reset_index().fillna("")
    wide.to_csv(cohort_dir / "visits_wide.csv", index=False)
    (cohort_dir / V).unlink()
    write_toml(
        cohort_dir,
        '[wide.visits]\npain = "pain_w{week}"\nakps = "akps_w{week}"\ngrc = "grc_w{week}"\n'
        'adherence = "adherence_w{week}"\n',
        replace=('visits = "visits.csv"', 'visits = "visits_wide.csv"'),
    )
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    assert any("reshaped to 23 visit row(s)" in n for n in notes_of(report, "week"))
    got = load_cohort(cohort_dir).visits
    pd.testing.assert_frame_equal(
        got.sort_values(["participant_id", "week"]).reset_index(drop=True),
        expected.sort_values(["participant_id", "week"]).reset_index(drop=True),
    )
    # a bad value names the line of the wide row it came from
    w = pd.read_csv(cohort_dir / "visits_wide.csv", dtype=str, keep_default_na=False)
    w.loc[2, "pain_w2"] = "12"
    w.to_csv(cohort_dir / "visits_wide.csv", index=False)
    code, report = run_validate(cohort_dir)
    assert has_failure(report, "visits_wide.csv", 4, "pain", "in_range")


def test_wide_column_whose_week_is_not_a_week(cohort_dir):
    v = _frame(cohort_dir, V).pivot(index="participant_id", columns="week", values="pain")
    v.columns = [f"pain_w{w}" for w in v.columns]
    v["pain_wlater"] = "3"
    v.reset_index().to_csv(cohort_dir / V, index=False)
    write_toml(cohort_dir, '[wide.visits]\npain = "pain_w{week}"\n')
    code, report = run_validate(cohort_dir)
    assert code == 1
    (f,) = [f for f in report["failures"] if f["rule"] == "wide_week"]
    assert "'later' is not a week" in f["message"] and f["value"] == "pain_wlater"


def test_declared_code_with_an_idea(cohort_dir):
    p = _frame(cohort_dir, P)
    p["intervention"] = p["intervention"].replace(
        "glute_strengthening+quadriceps_strengthening", "my_brace"
    )
    p.to_csv(cohort_dir / P, index=False)
    write_toml(
        cohort_dir, '[codes]\nmy_brace = { label = "Custom patellar brace", idea = "knee_brace" }\n'
    )
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    c = load_cohort(cohort_dir)
    assert c.manifest.code_ideas == {"my_brace": "knee_brace"}
    assert c.manifest.codes == {"my_brace": "Custom patellar brace"}
    arms = c.arms.set_index("intervention")
    assert arms.loc["my_brace", "idea"] == "knee_brace"


def test_declared_code_with_an_unknown_idea(cohort_dir):
    write_toml(cohort_dir, '[codes]\nmy_brace = { label = "Brace", idea = "knee_braces" }\n')
    code, report = run_validate(cohort_dir)
    assert code == 1
    (f,) = [f for f in report["failures"] if f["rule"] == "known_idea"]
    assert f["column"] == "codes.my_brace.idea" and "did you mean 'knee_brace'?" in f["message"]
    assert "not one of the eight ideas" in f["message"]


def test_mapping_is_recorded_in_the_report(cohort_dir, tmp_path):
    v = _frame(cohort_dir, V).rename(columns={"pain": "VAS_worst"})
    v.to_csv(cohort_dir / V, index=False)
    write_toml(cohort_dir, '[columns.visits]\npain = "VAS_worst"\n')
    out = tmp_path / "r.html"
    code, stdout, _ = run_cli("report", str(cohort_dir), "--output", str(out))
    assert code == 0, stdout
    html = out.read_text(encoding="utf-8")
    assert "Mapping of the files onto the data model" in html and "VAS_worst" in html


@pytest.mark.parametrize(
    ("extra", "rule", "column"),
    [
        ('[columns.visits]\npian = "x"\n', "unknown_column", "columns.visits.pian"),
        ('[columns.vists]\npain = "x"\n', "allowed_values", "columns.vists"),
        ('[values.visits.sexx]\n1 = "a"\n', "unknown_column", "values.visits.sexx"),
        ("[weeks]\nbaseline = -1\n", "in_range", "weeks.baseline"),
        ("[weeks]\nbaseline = nan\n", "in_range", "weeks.baseline"),
        ('[wide.visits]\npain = "pain"\n', "pattern", "wide.visits.pain"),
        ('[wide.participants]\nage = "age_{week}"\n', "allowed_values", "wide.participants"),
        ('[format.visits]\ndecimal = ","\n', "decimal_delimiter", "format.visits.decimal"),
        ('[format.visits]\nencoding = "klingon"\n', "encoding", "format.visits.encoding"),
        ('[format.visits]\ndate_format = "%Y-%m"\n', "date_format", "format.visits.date_format"),
        ('[format.visits]\ntime_zone = "CET"\n', "allowed_values", "format.visits.time_zone"),
        ('[format.visits]\ndecimals = ","\n', "unknown_option", "format.visits.decimals"),
    ],
)
def test_bad_mapping_sections(cohort_dir, extra, rule, column):
    write_toml(cohort_dir, extra)
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, "cohort.toml", None, column, rule), report["failures"]
