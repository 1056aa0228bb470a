"""Bounded output: failures listed up to a cap per file, column and rule, with full counts."""

from __future__ import annotations

import json

import pandas as pd
from ingest_helpers import reconciles, run_cli

from kneestudy.ingest import validate


def _many_bad(cohort_dir, n=2000):
    v = pd.read_csv(cohort_dir / "visits.csv", dtype=str, keep_default_na=False)
    extra = pd.DataFrame(
        {
            "participant_id": "EX-001",
            "week": [str(100 + i) for i in range(n)],
            "pain": "11",
            "akps": "200",
            "grc": "",
            "adherence": "",
        }
    )
    pd.concat([v, extra]).to_csv(cohort_dir / "visits.csv", index=False)


def test_cap_per_file_column_and_rule(cohort_dir):
    _many_bad(cohort_dir)
    r = validate(cohort_dir)
    counts = r.counts.set_index(["column", "rule"])
    assert counts.loc[("pain", "in_range"), "count"] == 2000
    assert counts.loc[("pain", "in_range"), "listed"] == 1000
    assert len(r.failures[r.failures["column"] == "akps"]) == 1000
    assert r.truncated and r.n_failures >= 4000
    assert "INVALID: " in r.summary and str(r.n_failures) in r.summary
    text = str(r)
    assert "visits.csv, column 'pain': in_range x2000" in text
    assert "the counts are complete" in text
    everything = validate(cohort_dir, max_failures=None)
    assert len(everything.failures) == everything.n_failures == r.n_failures


def test_json_lists_the_cap_and_the_counts(cohort_dir):
    _many_bad(cohort_dir)
    code, out, _ = run_cli("validate", str(cohort_dir), "--json", "--max-failures", "10")
    d = json.loads(out)
    assert code == 1 and reconciles(d)
    assert d["max_failures"] == 10 and d["truncated"] is True
    assert sum(1 for f in d["failures"] if f["column"] == "pain") == 10
    (c,) = [c for c in d["counts"] if c["column"] == "pain" and c["rule"] == "in_range"]
    assert c["count"] == 2000 and c["listed"] == 10
    assert d["n_failures"] == sum(c["count"] for c in d["counts"])


def test_bad_max_failures_is_a_usage_error(cohort_dir):
    code, _, err = run_cli("validate", str(cohort_dir), "--max-failures", "-1")
    assert code == 2 and "--max-failures" in err
