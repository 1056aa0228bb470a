"""Provenance hashes only the files a study uses, in blocks, and never follows a link out."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest
from ingest_helpers import make_study, run_cli

from kneestudy.ingest import load_cohort, load_study
from kneestudy.ingest.provenance import file_hashes, input_files


def test_only_used_files_are_listed(tmp_path, cohort_dir):
    root = make_study(tmp_path, cohort_dir)
    (root / "big-unrelated-export.bin").write_bytes(b"\0" * 1_000_000)
    (root / "cohorts" / "example" / "notes.txt").write_text("not data")
    study = load_study(root)
    files = [f.rel for f in input_files(study)]
    assert files == [
        "study.toml",
        "cohorts/example/cohort.toml",
        "cohorts/example/participants.csv",
        "cohorts/example/visits.csv",
        "cohorts/example/adverse_events.csv",
        "cohorts/example/events.csv",
    ]
    h = file_hashes(study).set_index("file")
    data = (root / "cohorts" / "example" / "visits.csv").read_bytes()
    assert h.loc["cohorts/example/visits.csv", "sha256"] == hashlib.sha256(data).hexdigest()
    assert h.loc["cohorts/example/visits.csv", "bytes"] == len(data)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_link_out_of_the_study_is_not_read(tmp_path, cohort_dir):
    outside = tmp_path / "elsewhere"
    shutil.copytree(cohort_dir, outside)
    root = tmp_path / "study"
    (root / "cohorts").mkdir(parents=True)
    os.symlink(outside, root / "cohorts" / "linked")
    (root / "study.toml").write_text('study_id = "s1"\ntitle = "A study"\n')
    study = load_study(root)
    h = file_hashes(study)
    linked = h[h["file"] != "study.toml"]
    assert len(linked) == 5 and linked["sha256"].isna().all()
    assert linked["note"].str.contains("outside the study folder").all()


def test_report_provenance_lists_used_files(tmp_path, cohort_dir):
    root = make_study(tmp_path, cohort_dir)
    (root / "unrelated.csv").write_text("a,b\n1,2\n")
    out = tmp_path / "r.html"
    code, stdout, _ = run_cli("report", str(root), "--output", str(out))
    assert code == 0, stdout
    html = out.read_text(encoding="utf-8")
    assert "cohorts/example/visits.csv" in html and "unrelated.csv" not in html


def test_cohort_folder_alone(cohort_dir):
    from kneestudy.ingest.model import Study

    c = load_cohort(cohort_dir)
    study = Study(study_id="x", title="x", cohorts=[c], path=cohort_dir)
    assert [f.rel for f in input_files(study)][:2] == ["cohort.toml", "participants.csv"]
