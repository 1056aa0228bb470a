"""Columns a trial did not record may be absent: read as all-missing, named in the notes."""

from __future__ import annotations

import pandas as pd
import pytest
from ingest_helpers import has_failure, notes_of, reconciles, run_validate

from kneestudy.errors import AnalysisError
from kneestudy.ingest import load_cohort

P, V = "participants.csv", "visits.csv"


def _drop(folder, file, *cols):
    frame = pd.read_csv(folder / file, dtype=str, keep_default_na=False).drop(columns=list(cols))
    frame.to_csv(folder / file, index=False)


def test_unrecorded_columns_are_all_missing(cohort_dir):
    _drop(cohort_dir, P, "bmi", "weekly_km", "age", "squat_test")
    _drop(cohort_dir, V, "akps", "adherence")
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]
    assert reconciles(report)
    for col in ("bmi", "weekly_km", "age", "squat_test", "akps", "adherence"):
        (msg,) = notes_of(report, col)
        assert msg.endswith("read as all-missing") and f"'{col}'" in msg
    c = load_cohort(cohort_dir)
    assert c.participants["bmi"].isna().all() and c.participants["bmi"].dtype == "float64"
    assert list(c.participants["squat_test"].cat.categories) == ["pass", "fail"]
    assert c.visits["akps"].isna().all()
    assert len(c.participants) == 8 and len(c.visits) == 23


def test_analysis_of_an_unrecorded_column_says_so(cohort_dir):
    from kneestudy import effects

    _drop(cohort_dir, P, "squat_test")
    _drop(cohort_dir, V, "akps")
    c = load_cohort(cohort_dir)
    with pytest.raises(AnalysisError, match="did not record akps"):
        effects.mmrm(c, outcome="akps")
    with pytest.raises(AnalysisError, match="did not record squat_test"):
        effects.subgroup(c, by="squat_test", week=6)


@pytest.mark.parametrize(
    ("file", "col"),
    [(P, "participant_id"), (P, "arm"), (P, "intervention"), (V, "participant_id"), (V, "week")],
)
def test_keys_and_arm_and_visit_stay_required(cohort_dir, file, col):
    _drop(cohort_dir, file, col)
    code, report = run_validate(cohort_dir)
    assert code == 1 and reconciles(report)
    assert has_failure(report, file, None, col, "missing_column")


def test_visits_need_an_outcome(cohort_dir):
    _drop(cohort_dir, V, "pain", "akps", "grc")
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, V, None, None, "outcome_required")


def test_primary_outcome_must_be_recorded(cohort_dir):
    _drop(cohort_dir, V, "pain")
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, "cohort.toml", None, "primary_outcome", "primary_outcome_recorded")


def test_data_dictionary_shows_required_and_optional():
    from kneestudy.schemas.export import rendered

    md = rendered()["participants.md"]
    assert "Required columns: `participant_id`, `arm`, `intervention`." in md
    assert "| `bmi` | number | no | yes |" in md
    assert "| `participant_id` | string | yes | no |" in md
