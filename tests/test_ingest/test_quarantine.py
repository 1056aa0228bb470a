"""Quarantine everywhere: cohort and study folders, validate and report, beside the data."""

from __future__ import annotations

import pandas as pd
from ingest_helpers import edit_line, make_study, reconciles, run_cli

from kneestudy.ingest import load_cohort, load_study


def test_validate_quarantine_of_a_study(tmp_path, cohort_dir):
    edit_line(cohort_dir / "participants.csv", 3, ",31,", ",9,")
    root = make_study(tmp_path, cohort_dir)
    q = tmp_path / "q"
    code, out, _ = run_cli("validate", str(root), "--quarantine", str(q))
    assert code == 1 and f"invalid rows written to {q}" in out
    qp = pd.read_csv(q / "cohorts" / "example" / "participants.csv")
    assert list(qp["_row"]) == [3] and "age: in_range" in qp.loc[0, "_reasons"]
    assert (q / "report.txt").exists()
    code, out, _ = run_cli("validate", str(root), "--quarantine", str(q), "--json")
    import json

    assert reconciles(json.loads(out))


def test_report_with_quarantine(tmp_path, cohort_dir):
    edit_line(cohort_dir / "participants.csv", 3, ",31,", ",9,")
    root = make_study(tmp_path, cohort_dir)
    out = tmp_path / "r.html"
    code, stdout, _ = run_cli("report", str(root), "--output", str(out))
    assert code == 1 and not out.exists()  # without quarantine one bad row blocks the report
    q = tmp_path / "set-aside"
    code, stdout, _ = run_cli("report", str(root), "--output", str(out), "--quarantine", str(q))
    assert code == 0, stdout
    assert f"set aside in {q}" in stdout and out.exists()
    assert (q / "cohorts" / "example" / "participants.csv").exists()
    html = out.read_text(encoding="utf-8")
    assert "failing rows were set aside" in html


def test_default_quarantine_of_a_cohort_in_a_study_is_beside_the_study(tmp_path, cohort_dir):
    edit_line(cohort_dir / "participants.csv", 3, ",31,", ",9,")
    root = make_study(tmp_path, cohort_dir)
    load_cohort(root / "cohorts" / "example", on_invalid="quarantine")
    assert sorted(p.name for p in (root / "cohorts").iterdir()) == ["example"]
    assert (tmp_path / "study.quarantine" / "cohorts" / "example" / "participants.csv").exists()
    study = load_study(root, on_invalid="quarantine")
    assert [c.cohort_id for c in study.cohorts] == ["example-hip-2025"]


def test_old_quarantine_inside_cohorts_is_skipped_with_a_note(tmp_path, cohort_dir):
    edit_line(cohort_dir / "participants.csv", 3, ",31,", ",9,")
    root = make_study(tmp_path, cohort_dir)
    old = root / "cohorts" / "example.quarantine"
    old.mkdir()
    (old / "participants.csv").write_text("_row,_reasons\n3,x\n")
    study = load_study(root, on_invalid="quarantine")
    assert len(study.cohorts) == 1
    notes = study.report.notes
    assert notes["message"].str.contains("holds quarantined rows, not a cohort").any()


def test_internal_column_names_in_the_data(cohort_dir, tmp_path):
    p = pd.read_csv(cohort_dir / "participants.csv", dtype=str, keep_default_na=False)
    p["_row"] = "mine"
    p["_reasons"] = "also mine"
    p.loc[1, "age"] = "9"
    p.to_csv(cohort_dir / "participants.csv", index=False)
    q = tmp_path / "q"
    code, out, _ = run_cli("validate", str(cohort_dir), "--quarantine", str(q))
    assert code == 1
    qp = pd.read_csv(q / "participants.csv", dtype=str)
    assert list(qp["_row"]) == ["mine"] and list(qp["_reasons"]) == ["also mine"]
    assert list(qp["__row"]) == ["3"] and "age: in_range" in qp.loc[0, "__reasons"]


def test_quarantine_holds_every_rejected_row_beyond_the_cap(cohort_dir, tmp_path):
    v = pd.read_csv(cohort_dir / "visits.csv", dtype=str, keep_default_na=False)
    v["pain"] = "11"  # every visit out of range
    v.to_csv(cohort_dir / "visits.csv", index=False)
    q = tmp_path / "q"
    code, out, _ = run_cli(
        "validate", str(cohort_dir), "--quarantine", str(q), "--max-failures", "2", "--json"
    )
    import json

    report = json.loads(out)
    assert code == 1 and reconciles(report)
    listed = [f for f in report["failures"] if f["rule"] == "in_range"]
    assert len(listed) == 2
    (count,) = [c for c in report["counts"] if c["rule"] == "in_range"]
    assert (count["count"], count["listed"]) == (23, 2)
    qv = pd.read_csv(q / "visits.csv")
    assert len(qv) == 23 and qv["_reasons"].str.contains("pain: in_range").all()


def test_blocking_failure_is_not_quarantined(cohort_dir, tmp_path):
    (cohort_dir / "visits.csv").write_text("participant_id;week\n")
    q = tmp_path / "q"
    code, out, _ = run_cli("validate", str(cohort_dir), "--quarantine", str(q))
    assert code == 1 and "nothing was quarantined" in out and not q.exists()
