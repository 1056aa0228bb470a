"""The corpus of bad inputs: every rule, fed through ``kneestudy validate``.

Each case edits one line of a copy of the valid example cohort and asserts
the exact file, row (line number in the file), column and rule reported.
"""

from __future__ import annotations

import pytest
from ingest_helpers import edit_line, has_failure, run_validate

P, V, AE, EV = "participants.csv", "visits.csv", "adverse_events.csv", "events.csv"

# (file, line, old, new, expected column, expected rule)
CASES = [
    (P, 2, "EX-001", "EX 001", "participant_id", "pattern"),
    (P, 3, "EX-002", "EX-001", "participant_id", "unique"),
    (P, 2, "+quadriceps_strengthening", "+yoga", "intervention", "known_code"),
    (P, 2, "2025-01-06", "06/01/2025", "randomized_on", "iso_date"),
    (P, 3, ",31,", ",9,", "age", "in_range"),
    (P, 3, ",31,", ",91,", "age", "in_range"),
    (P, 3, ",31,", ",thirty,", "age", "dtype"),
    (V, 3, "EX-001,2,4,", ",2,4,", "participant_id", "not_null"),
    (P, 3, ",31,", ",inf,", "age", "in_range"),
    (P, 3, ",male,", ",M,", "sex", "allowed_values"),
    (P, 3, ",23.9,", ",75,", "bmi", "in_range"),
    (P, 3, ",14,", ",-1,", "symptom_months", "in_range"),
    (P, 3, ",40,", ",-5,", "weekly_km", "in_range"),
    (P, 3, ",40,", ",inf,", "weekly_km", "finite"),
    (P, 3, ",pass,", ",yes,", "squat_test", "allowed_values"),
    (P, 5, ",12,,2", ",12,,-2", "withdrawal_week", "in_range"),
    (P, 2, "Hip + knee exercise", "", "arm", "not_null"),
    (V, 3, "EX-001,2,4,74", "EX-001,2,11,74", "pain", "in_range"),
    (V, 3, "EX-001,2,4,74", "EX-001,2,4,101", "akps", "in_range"),
    (V, 3, ",5,0.9", ",5.5,0.9", "grc", "dtype"),
    (V, 3, ",5,0.9", ",8,0.9", "grc", "in_range"),
    (V, 3, ",5,0.9", ",5,1.5", "adherence", "in_range"),
    (V, 3, "EX-001,2,", "EX-001,-2,", "week", "in_range"),
    (V, 3, "EX-001,2,", "EX-001,,", "week", "not_null"),
    (V, 3, "EX-001,2,", "EX-001,0,", "week", "unique"),
    (V, 3, "EX-001,2,", "EX-999,2,", "participant_id", "foreign_key"),
    (V, 3, "EX-001,2,4,", "EX-001,2,four,", "pain", "dtype"),
    (AE, 2, "mild", "fatal", "severity", "allowed_values"),
    (AE, 2, ",false,", ",maybe,", "serious", "dtype"),
    (AE, 2, ",false,", ",,", "serious", "not_null"),
    (AE, 2, ",true", ",often", "related", "dtype"),
    (AE, 2, "EX-002,2,", "EX-002,-1,", "week", "in_range"),
    (AE, 2, "EX-002,", "EX-099,", "participant_id", "foreign_key"),
    (AE, 2, "Delayed-onset muscle soreness", "", "term", "not_null"),
    (EV, 2, ",6,true,2", ",0,true,", "time_weeks", "in_range"),
    (EV, 2, "pain_free", "Pain Free", "endpoint", "pattern"),
    (EV, 2, ",true,", ",sometimes,", "observed", "dtype"),
    (EV, 2, ",6,true,2", ",6,true,7", "interval_low_weeks", "interval_order"),
    (EV, 2, ",6,true,2", ",6,true,-1", "interval_low_weeks", "in_range"),
    (EV, 3, "EX-002", "EX-001", "endpoint", "unique"),
    (EV, 3, "EX-002", "EX-077", "participant_id", "foreign_key"),
]


@pytest.mark.parametrize(("file", "line", "old", "new", "column", "rule"), CASES)
def test_rule_is_reported(cohort_dir, file, line, old, new, column, rule):
    edit_line(cohort_dir / file, line, old, new)
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert report["ok"] is False
    assert has_failure(report, file, line, column, rule), report["failures"]
    for r in report["rows"]:
        assert r["read"] == r["valid"] + r["invalid"]


def test_example_is_valid(cohort_dir):
    code, report = run_validate(cohort_dir)
    assert code == 0 and report["ok"] and report["failures"] == []


def test_baseline_required(cohort_dir):
    path = cohort_dir / V
    lines = path.read_text().split("\n")
    del lines[1]  # EX-001 week 0
    path.write_text("\n".join(lines))
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, P, 2, "participant_id", "baseline_required")
    # the participant is rejected and takes its two other visits along
    assert has_failure(report, V, 2, "participant_id", "participant_rejected")
    assert has_failure(report, V, 3, "participant_id", "participant_rejected")


def test_invalid_baseline_counts_as_missing(cohort_dir):
    edit_line(cohort_dir / V, 2, "EX-001,0,6,", "EX-001,0,12,")
    _, report = run_validate(cohort_dir)
    assert has_failure(report, V, 2, "pain", "in_range")
    assert has_failure(report, P, 2, "participant_id", "baseline_required")


def test_after_withdrawal(cohort_dir):
    with open(cohort_dir / V, "a") as fh:
        fh.write("EX-004,6,5,70,3,0.5\n")
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, V, 25, "week", "after_withdrawal")
    (f,) = [f for f in report["failures"] if f["rule"] == "after_withdrawal"]
    assert f["message"] == "visit at week 6 is after withdrawal at week 2"


def test_crossover_condition_code(cohort_dir):
    import pandas as pd

    v = pd.read_csv(cohort_dir / V, dtype=str, keep_default_na=False)
    v["condition"] = "knee_brace"
    v.loc[4, "condition"] = "magic_brace"
    v.to_csv(cohort_dir / V, index=False)
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, V, 6, "condition", "known_code")
    assert len(report["failures"]) == 1


def test_declared_codes_are_accepted(cohort_dir):
    edit_line(cohort_dir / P, 2, "+quadriceps_strengthening", "+yoga")
    with open(cohort_dir / "cohort.toml", "a") as fh:
        fh.write('\n[codes]\nyoga = "Yoga"\n')
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]


def test_extra_column_is_a_note_not_a_failure(cohort_dir):
    import pandas as pd

    p = pd.read_csv(cohort_dir / P, dtype=str, keep_default_na=False)
    p["site"] = "Oslo"
    p.to_csv(cohort_dir / P, index=False)
    code, report = run_validate(cohort_dir)
    assert code == 0
    assert report["notes"][0]["column"] == "site"


def test_missing_required_column(cohort_dir):
    import pandas as pd

    p = pd.read_csv(cohort_dir / P, dtype=str, keep_default_na=False)
    p = p.rename(columns={"intervention": "Intervention"})
    p.to_csv(cohort_dir / P, index=False)
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, P, None, "intervention", "missing_column")
    (f,) = [f for f in report["failures"] if f["rule"] == "missing_column"]
    assert "the file has 'Intervention'" in f["message"]
    assert '[columns.participants] intervention = "Intervention"' in f["message"]


def test_every_failure_collected_at_once(cohort_dir):
    edit_line(cohort_dir / P, 3, ",31,", ",9,")
    edit_line(cohort_dir / V, 3, ",5,0.9", ",8,0.9")
    edit_line(cohort_dir / AE, 2, "mild", "fatal")
    _, report = run_validate(cohort_dir)
    rules = {(f["file"], f["rule"]) for f in report["failures"]}
    assert {(P, "in_range"), (V, "in_range"), (AE, "allowed_values")} <= rules


def test_no_participant_ids_at_all(cohort_dir):
    """Every id empty: each row fails not_null, and nothing crashes."""
    path = cohort_dir / P
    lines = path.read_text().split("\n")
    lines[1:] = [ln.replace(ln.split(",")[0], "", 1) if ln else ln for ln in lines[1:]]
    path.write_text("\n".join(lines))
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, P, 2, "participant_id", "not_null")
    assert has_failure(report, V, 2, "participant_id", "foreign_key")


def test_header_only_participants(cohort_dir):
    path = cohort_dir / P
    path.write_text(path.read_text().split("\n")[0] + "\n")
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, V, 2, "participant_id", "foreign_key")
    assert has_failure(report, "cohort.toml", None, "comparator", "comparator_arm")
