"""load_cohort, quarantine and cascade, load_study, validate_cohort, round trip, report."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from ingest_helpers import edit_line

from kneestudy.errors import ValidationError
from kneestudy.ingest import (
    Cohort,
    Manifest,
    ValidationReport,
    load_cohort,
    load_study,
    validate,
    validate_cohort,
)
from kneestudy.schemas import SCHEMAS


def test_raise_carries_report(cohort_dir):
    edit_line(cohort_dir / "participants.csv", 3, ",31,", ",9,")
    with pytest.raises(ValidationError) as info:
        load_cohort(cohort_dir)
    assert isinstance(info.value.report, ValidationReport)
    assert not info.value.report.ok


def test_quarantine_cascades(cohort_dir, tmp_path):
    edit_line(cohort_dir / "participants.csv", 3, ",31,", ",9,")  # EX-002 rejected
    edit_line(cohort_dir / "visits.csv", 22, "EX-008,0,4,", "EX-008,0,44,")  # EX-008 loses baseline
    c = load_cohort(cohort_dir, on_invalid="quarantine")
    assert set(c.participants["participant_id"]) == {f"EX-00{i}" for i in (1, 3, 4, 5, 6, 7)}
    assert not c.visits["participant_id"].isin(["EX-002", "EX-008"]).any()
    assert len(c.visits) == 23 - 3 - 3
    assert list(c.adverse_events["participant_id"]) == ["EX-004", "EX-007"]
    rows = c.report.rows.set_index("table")
    assert rows.loc["participants", "invalid"] == 2
    assert rows.loc["visits", "invalid"] == 6
    assert rows.loc["adverse_events", "invalid"] == 1
    assert rows.loc["events", "invalid"] == 2
    assert (rows["read"] == rows["valid"] + rows["invalid"]).all()
    q = cohort_dir.parent / "cohort.quarantine"
    qp = pd.read_csv(q / "participants.csv")
    assert list(qp["_row"]) == [3, 9]
    assert "age: in_range" in qp.loc[0, "_reasons"]
    assert "baseline_required" in qp.loc[1, "_reasons"]
    qv = pd.read_csv(q / "visits.csv")
    assert len(qv) == 6 and qv["_reasons"].str.contains("participant_rejected").sum() == 5
    assert (q / "failures.csv").exists() and (q / "report.txt").exists()
    # caller-named folder
    other = tmp_path / "elsewhere"
    load_cohort(cohort_dir, on_invalid="quarantine", quarantine_dir=other)
    assert (other / "participants.csv").exists()


def test_quarantine_cannot_fix_a_broken_manifest(cohort_dir):
    (cohort_dir / "cohort.toml").write_text('cohort_id = "x"\n')
    with pytest.raises(ValidationError):
        load_cohort(cohort_dir, on_invalid="quarantine")
    with pytest.raises(ValueError, match="on_invalid"):
        load_cohort(cohort_dir, on_invalid="ignore")


def test_nonexistent_path_is_io_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        validate(tmp_path / "nope")


def _small_cohort() -> Cohort:
    p = pd.DataFrame(
        {
            "participant_id": ["a1", "a2", "b1"],
            "arm": ["Hip", "Hip", "Care"],
            "intervention": ["glute_strengthening", "glute_strengthening", "usual_care"],
            "randomized_on": pd.to_datetime(["2025-01-02", None, "2025-02-03"]),
            "age": [21.25, 33.0, 40.1],
            "sex": pd.Categorical(["female", None, "male"], categories=["female", "male", "other"]),
            "bmi": [22.123456789012345, np.nan, 30.0],
            "symptom_months": [1.0, 2.5, np.nan],
            "weekly_km": [10.0, 0.1 + 0.2, 5.0],
            "squat_test": pd.Categorical(["fail", "pass", None], categories=["pass", "fail"]),
            "withdrawal_week": [np.nan, 2.0, np.nan],
        }
    )
    v = pd.DataFrame(
        {
            "participant_id": ["a1", "a1", "a2", "a2", "b1", "b1"],
            "week": [0.0, 6.0, 0.0, 2.0, 0.0, 6.0],
            "pain": [6.0, 1.0 / 3.0, 5.0, np.nan, 7.0, 6.5],
            "akps": [70.0, 88.0, np.nan, 71.0, 60.0, 61.0],
            "grc": pd.array([pd.NA, 6, pd.NA, 4, pd.NA, 3], dtype="Int64"),
            "adherence": [np.nan, 0.9, np.nan, 0.5, np.nan, 1.0],
        }
    )
    ae = pd.DataFrame(
        {
            "participant_id": ["a1"],
            "week": [3.0],
            "term": ["Soreness, mild"],
            "severity": pd.Categorical(["mild"], categories=["mild", "moderate", "severe"]),
            "serious": [False],
            "related": pd.array([pd.NA], dtype="boolean"),
        }
    )
    ev = pd.DataFrame(
        {
            "participant_id": ["a1", "a2", "b1"],
            "endpoint": ["pain_free"] * 3,
            "time_weeks": [6.0, 2.0, 6.0],
            "observed": [True, False, False],
            "interval_low_weeks": [0.0, np.nan, np.nan],
        }
    )
    m = Manifest(
        cohort_id="rt-1",
        title="Round trip",
        comparator="usual_care",
        primary_week=6.0,
        visit_weeks=(0.0, 2.0, 6.0),
    )
    return Cohort(m, p, v, ae, ev)


def test_round_trip_write_then_load(tmp_path):
    cohort = _small_cohort()
    assert validate_cohort(cohort).ok
    back = load_cohort(cohort.write(tmp_path / "rt"))
    for name, frame in cohort.tables().items():
        pd.testing.assert_frame_equal(back.tables()[name], frame, check_exact=True)
    # write() names every table's file; the rest of the manifest comes back equal
    assert back.manifest == replace(cohort.manifest, tables=back.manifest.tables)
    for name, frame in back.tables().items():
        SCHEMAS[name].validate(frame)


def test_validate_cohort_record_numbers_and_dtypes():
    cohort = _small_cohort()
    cohort.visits.loc[3, "pain"] = 12.0
    cohort.participants["age"] = cohort.participants["age"].astype("float32")
    r = validate_cohort(cohort)
    f = r.failures
    assert ((f["table"] == "visits") & (f["row"] == 4) & (f["rule"] == "in_range")).any()
    assert ((f["column"] == "age") & (f["rule"] == "canonical_dtype")).any()


def _study(tmp_path, cohort_dir):
    root = tmp_path / "study"
    (root / "cohorts").mkdir(parents=True)
    cohort_dir.rename(root / "cohorts" / "example")
    (root / "study.toml").write_text('study_id = "s1"\ntitle = "A study"\ndescription = "d"\n')
    return root


def test_study_without_literature(tmp_path, cohort_dir):
    study = load_study(_study(tmp_path, cohort_dir))
    assert study.study_id == "s1" and study.metadata["description"] == "d"
    assert len(study.cohorts) == 1 and study.report.ok
    assert len(study.contrasts) == 0 and "se" in study.contrasts.columns
    assert "events" in study.arm_summaries.columns


LIT_CASES = [
    ("contrasts", "measure", "HR", "allowed_values"),
    ("contrasts", "se", "0", "in_range"),
    ("contrasts", "n_treatment", "0", "in_range"),
    ("contrasts", "treatment", "yoga", "known_code"),
    ("contrasts", "comparator", "orthotics", "distinct_arms"),
    ("contrasts", "estimate", "inf", "finite"),
    ("contrasts", "risk_of_bias", "medium", "allowed_values"),
    ("arm_summaries", "events", "40", "events_le_n"),
    ("arm_summaries", "n", "0", "in_range"),
    ("arm_summaries", "sd", "-1", "in_range"),
    ("arm_summaries", "intervention", "magic", "known_code"),
    ("arm_summaries", "outcome", "Pain", "pattern"),
    ("arm_summaries", "study_id", "bad id", "pattern"),
]


def _literature(root):
    lit = root / "literature"
    lit.mkdir()
    pd.DataFrame(
        {
            "study_id": ["lit1", "lit1"],
            "arm": ["Insoles", "Flat"],
            "intervention": ["orthotics", "flat_insert"],
            "outcome": ["recovered", "recovered"],
            "week": [6, 6],
            "n": [30, 31],
            "mean": [None, None],
            "sd": [None, None],
            "events": [12, 8],
            "change": [None, None],
        }
    ).to_csv(lit / "arm_summaries.csv", index=False)
    pd.DataFrame(
        {
            "study_id": ["lit2"],
            "treatment": ["orthotics"],
            "comparator": ["flat_insert"],
            "outcome": ["pain"],
            "week": [12],
            "measure": ["MD"],
            "estimate": [-0.5],
            "se": [0.3],
            "n_treatment": [40],
            "n_comparator": [41],
            "source": ["Author 2020"],
            "risk_of_bias": ["low"],
        }
    ).to_csv(lit / "contrasts.csv", index=False)


@pytest.mark.parametrize(("table", "column", "value", "rule"), LIT_CASES)
def test_literature_rules(tmp_path, cohort_dir, table, column, value, rule):
    from ingest_helpers import run_validate

    root = _study(tmp_path, cohort_dir)
    _literature(root)
    assert run_validate(root)[0] == 0
    path = root / "literature" / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, column] = value
    frame.to_csv(path, index=False)
    code, report = run_validate(root)
    assert code == 1
    assert any(
        f["file"] == f"literature/{table}.csv"
        and f["row"] == 2
        and f["column"] == column
        and f["rule"] == rule
        for f in report["failures"]
    ), report["failures"]


def test_study_reports_cohort_files_with_their_folder(tmp_path, cohort_dir):
    from ingest_helpers import run_validate

    edit_line(cohort_dir / "visits.csv", 3, ",5,0.9", ",8,0.9")
    root = _study(tmp_path, cohort_dir)
    code, report = run_validate(root)
    assert code == 1
    assert any(
        f["file"] == "cohorts/example/visits.csv" and f["row"] == 3 for f in report["failures"]
    )
    (root / "study.toml").write_text('title = "x"\n')
    _, report = run_validate(root)
    assert any(
        f["file"] == "study.toml" and f["rule"] == "missing_field" for f in report["failures"]
    )


def test_report_rendering(cohort_dir):
    edit_line(cohort_dir / "participants.csv", 3, ",31,", ",9,")
    r = validate(cohort_dir)
    text = str(r)
    assert "INVALID" in r.summary and "participants.csv, column 'age': in_range x1" in text
    assert "row 3: age must be 12 <= x <= 90 [value: 9]" in text
    d = json.loads(r.to_json())
    assert {"ok", "failures", "rows"} <= set(d)
    assert "<table" in r._repr_html_()
    assert list(r.failures.columns) == [
        "table",
        "file",
        "row",
        "column",
        "rule",
        "value",
        "message",
    ]


def test_validate_cohort_checks_category_order():
    cohort = _small_cohort()
    cohort.participants["sex"] = cohort.participants["sex"].cat.reorder_categories(
        ["male", "female", "other"]
    )
    f = validate_cohort(cohort).failures
    assert ((f["column"] == "sex") & (f["rule"] == "canonical_dtype")).any()


def test_study_quarantine(tmp_path, cohort_dir):
    edit_line(cohort_dir / "participants.csv", 3, ",31,", ",9,")
    root = _study(tmp_path, cohort_dir)
    _literature(root)
    lit = root / "literature" / "contrasts.csv"
    frame = pd.read_csv(lit, dtype=str, keep_default_na=False)
    frame.loc[0, "se"] = "-1"
    frame.to_csv(lit, index=False)
    with pytest.raises(ValidationError):
        load_study(root)
    study = load_study(root, on_invalid="quarantine")
    assert len(study.cohorts[0].participants) == 7 and len(study.contrasts) == 0
    assert len(study.arm_summaries) == 2
    # beside the study, never inside cohorts/ (where it would be read as a cohort)
    q = root.parent / f"{root.name}.quarantine"
    assert not any(p.name.endswith(".quarantine") for p in (root / "cohorts").iterdir())
    assert (q / "cohorts" / "example" / "participants.csv").exists()
    assert (q / "literature" / "contrasts.csv").exists()
    assert (q / "report.txt").exists() and (q / "failures.csv").exists()
    # a second run on the same study gives the same result
    again = load_study(root, on_invalid="quarantine")
    assert len(again.cohorts) == 1 and len(again.cohorts[0].participants) == 7
