"""Manifest rules (cohort.toml), each fed through ``kneestudy validate``."""

from __future__ import annotations

import pytest
from ingest_helpers import has_failure, run_validate

M = "cohort.toml"


def _set(cohort_dir, old, new):
    path = cohort_dir / M
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


CASES = [
    ('cohort_id = "example-hip-2025"', 'cohort_id = "bad id!"', "cohort_id", "pattern"),
    ('cohort_id = "example-hip-2025"', "", "cohort_id", "missing_field"),
    (
        'title = "Example: hip and knee exercise vs knee exercise in recreational runners"',
        'title = ""',
        "title",
        "not_empty",
    ),
    ('design = "parallel"', 'design = "cluster"', "design", "allowed_values"),
    ('comparator = "quadriceps_strengthening"', 'comparator = "magic"', "comparator", "known_code"),
    (
        'comparator = "quadriceps_strengthening"',
        'comparator = "usual_care"',
        "comparator",
        "comparator_arm",
    ),
    ('comparator = "quadriceps_strengthening"', "", "comparator", "missing_field"),
    ('primary_outcome = "pain"', 'primary_outcome = "vas"', "primary_outcome", "allowed_values"),
    ("primary_week = 6", "primary_week = 8", "primary_week", "primary_week_in_visits"),
    ("primary_week = 6", 'primary_week = "six"', "primary_week", "type"),
    ("visit_weeks = [0, 2, 6]", "visit_weeks = [0, 6, 2]", "visit_weeks", "sorted"),
    ("visit_weeks = [0, 2, 6]", "visit_weeks = [2, 6]", "visit_weeks", "baseline_required"),
    ("visit_weeks = [0, 2, 6]", "visit_weeks = [-1, 0, 2, 6]", "visit_weeks", "in_range"),
    ('risk_of_bias = "some_concerns"', 'risk_of_bias = "medium"', "risk_of_bias", "allowed_values"),
    ('source = "synthetic"', 'source = " "', "source", "not_empty"),
    (
        'participants = "participants.csv"',
        'participants = "../participants.csv"',
        "tables.participants",
        "path_inside_cohort",
    ),
    (
        'participants = "participants.csv"',
        'participants = "/etc/participants.csv"',
        "tables.participants",
        "path_inside_cohort",
    ),
    ('visits = "visits.csv"', "", "tables.visits", "missing_field"),
    (
        'events = "events.csv"',
        'events = "events.csv"\nlabs = "labs.csv"',
        "tables.labs",
        "allowed_values",
    ),
    ("[tables]", "seed = 1.5\n[tables]", "seed", "type"),
    ("[tables]", '[codes]\n"Bad Code" = "x"\n[tables]', "codes.Bad Code", "pattern"),
]


@pytest.mark.parametrize(("old", "new", "column", "rule"), CASES)
def test_manifest_rule(cohort_dir, old, new, column, rule):
    _set(cohort_dir, old, new)
    code, report = run_validate(cohort_dir)
    assert code == 1
    assert has_failure(report, M, None, column, rule), report["failures"]


def test_single_arm_needs_no_comparator(cohort_dir):
    _set(cohort_dir, 'design = "parallel"', 'design = "single_arm"')
    _set(cohort_dir, 'comparator = "quadriceps_strengthening"', "")
    code, report = run_validate(cohort_dir)
    assert code == 0, report["failures"]


def test_bad_toml_and_missing_manifest(cohort_dir):
    (cohort_dir / M).write_text("cohort_id = \n")
    _, report = run_validate(cohort_dir)
    assert has_failure(report, M, None, None, "toml")
    (cohort_dir / M).unlink()
    _, report = run_validate(cohort_dir)
    assert has_failure(report, M, None, None, "missing_file")


def test_symlink_leaving_folder(cohort_dir, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text((cohort_dir / "events.csv").read_text())
    (cohort_dir / "events.csv").unlink()
    (cohort_dir / "events.csv").symlink_to(outside)
    _, report = run_validate(cohort_dir)
    assert has_failure(report, M, None, "tables.events", "path_inside_cohort")


def test_unknown_field_is_a_note(cohort_dir):
    _set(cohort_dir, "[tables]", 'sponsor = "none"\n[tables]')
    code, report = run_validate(cohort_dir)
    assert code == 0
    assert report["notes"][0]["column"] == "sponsor"


def test_optional_fields(cohort_dir):
    from kneestudy.ingest import load_cohort

    c = load_cohort(cohort_dir)
    assert c.manifest.population == "patellofemoral pain" and c.manifest.seed is None
    _set(cohort_dir, "[tables]", 'population = "runners"\nseed = 7\n[tables]')
    c = load_cohort(cohort_dir)
    assert (c.manifest.population, c.manifest.seed) == ("runners", 7)
