"""Hints: did you mean, near-miss ids, ids that differ by case, unscheduled weeks, right lines."""

from __future__ import annotations

import pandas as pd
from ingest_helpers import edit_line, notes_of, reconciles, run_validate

from kneestudy.ingest.hints import case_variants, id_key, near_ids

P, V = "participants.csv", "visits.csv"


def test_unknown_column_did_you_mean(cohort_dir):
    v = pd.read_csv(cohort_dir / V, dtype=str, keep_default_na=False)
    v = v.rename(columns={"adherence": "Adherence ", "akps": "akp"})
    v.to_csv(cohort_dir / V, index=False)
    code, report = run_validate(cohort_dir)
    assert code == 0 and reconciles(report)
    assert "did you mean 'adherence'?" in notes_of(report, "Adherence ")[0]
    assert "did you mean 'akps'?" in notes_of(report, "akp")[0]
    v = v.rename(columns={"pain": "PAIN"})
    v.to_csv(cohort_dir / V, index=False)
    code, report = run_validate(cohort_dir)  # the primary outcome is missing now
    assert code == 1
    assert "did you mean 'pain'?" in notes_of(report, "PAIN")[0]


def test_foreign_key_names_a_near_match(cohort_dir):
    edit_line(cohort_dir / V, 3, "EX-001,2,", "ex-001,2,")
    edit_line(cohort_dir / V, 4, "EX-001,6,", "EX001,6,")
    edit_line(cohort_dir / V, 5, "EX-002,0,", "EX-099,0,")
    code, report = run_validate(cohort_dir)
    assert code == 1 and reconciles(report)
    fk = {f["row"]: f["message"] for f in report["failures"] if f["rule"] == "foreign_key"}
    assert "did you mean 'EX-001'? (it differs only by case)" in fk[3]
    assert "did you mean 'EX-001'?" in fk[4]
    assert fk[5] == "participant_id is not in participants"


def test_foreign_key_leading_zeros(cohort_dir):
    for name in ("participants.csv", "visits.csv", "adverse_events.csv", "events.csv"):
        path = cohort_dir / name
        path.write_text(path.read_text().replace("EX-", ""))  # ids 001 ... 008
    edit_line(cohort_dir / V, 3, "001,2,", "1,2,")
    code, report = run_validate(cohort_dir)
    assert code == 1 and reconciles(report)
    (f,) = [f for f in report["failures"] if f["rule"] == "foreign_key"]
    assert f["row"] == 3 and f["value"] == "1"
    assert (
        "did you mean '001'? (it differs only by case, separators or leading zeros)" in f["message"]
    )


def test_leading_zeros():
    assert near_ids(["7", "8"], ["007", "010"]) == {"7": "007"}
    assert id_key("P-007") == id_key("p7")


def test_ids_that_differ_only_by_case_are_flagged(cohort_dir):
    p = pd.read_csv(cohort_dir / P, dtype=str, keep_default_na=False)
    v = pd.read_csv(cohort_dir / V, dtype=str, keep_default_na=False)
    p.loc[1, "participant_id"] = "ex-001"
    v.loc[v["participant_id"] == "EX-002", "participant_id"] = "ex-001"
    p.to_csv(cohort_dir / P, index=False)
    v.to_csv(cohort_dir / V, index=False)
    ae = pd.read_csv(cohort_dir / "adverse_events.csv", dtype=str, keep_default_na=False)
    ae.loc[ae["participant_id"] == "EX-002", "participant_id"] = "ex-001"
    ae.to_csv(cohort_dir / "adverse_events.csv", index=False)
    ev = pd.read_csv(cohort_dir / "events.csv", dtype=str, keep_default_na=False)
    ev.loc[ev["participant_id"] == "EX-002", "participant_id"] = "ex-001"
    ev.to_csv(cohort_dir / "events.csv", index=False)
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    (msg,) = notes_of(report, "participant_id")
    assert "'EX-001' / 'ex-001'" in msg and "different people" in msg
    assert case_variants(pd.Series(["A", "a", "b"]).to_numpy(dtype=object)) == [["A", "a"]]


def test_unscheduled_weeks_are_noted(cohort_dir):
    with open(cohort_dir / V, "a") as fh:
        fh.write("EX-001,6.5,3,80,5,0.9\nEX-002,120,3,80,5,0.9\n")
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    (msg,) = notes_of(report, "week")
    assert "visits at weeks not in visit_weeks (0, 2, 6)" in msg
    assert "6.5 (1 visit, first on line 25)" in msg and "120 (1 visit, first on line 26)" in msg


def test_repeats_name_the_other_lines(cohort_dir):
    edit_line(cohort_dir / P, 3, "EX-002", "EX-001")
    code, report = run_validate(cohort_dir)
    msgs = {f["row"]: f["message"] for f in report["failures"] if f["rule"] == "unique"}
    assert msgs == {
        2: "participant_id is repeated on line 3",
        3: "participant_id repeats line 2",
    }


def test_excel_rows_are_rows_and_parquet_records_are_records(cohort_dir):
    from kneestudy.ingest import load_cohort

    p = load_cohort(cohort_dir).participants
    p.loc[2, "participant_id"] = p.loc[1, "participant_id"]
    p.to_parquet(cohort_dir / "participants.parquet", index=False)
    toml = cohort_dir / "cohort.toml"
    toml.write_text(toml.read_text().replace("participants.csv", "participants.parquet"))
    _, report = run_validate(cohort_dir)
    msgs = {f["row"]: f["message"] for f in report["failures"] if f["rule"] == "unique"}
    assert msgs == {
        2: "participant_id is repeated on record 3",
        3: "participant_id repeats record 2",
    }
    rej = [f["message"] for f in report["failures"] if f["rule"] == "participant_rejected"]
    assert rej and all("participants.parquet record" in m for m in rej)


def test_arm_label_one_per_code(cohort_dir):
    edit_line(cohort_dir / P, 3, "Hip + knee exercise", "Hip+knee")
    code, report = run_validate(cohort_dir)
    assert code == 1 and reconciles(report)
    (f,) = [f for f in report["failures"] if f["rule"] == "arm_label"]
    assert (f["row"], f["column"], f["value"]) == (3, "arm", "Hip+knee")
    assert "is the arm 'Hip + knee exercise' (first on line 2)" in f["message"]
