"""``kneestudy import redcap``: a REDCap export, as REDCap writes it, to a cohort folder."""

from __future__ import annotations

import pandas as pd
import pytest
from ingest_helpers import reconciles, run_cli, run_validate
from redcap_data import EXAMPLE, write_dictionary, write_records

from kneestudy.errors import ReadError
from kneestudy.ingest import load_cohort
from kneestudy.ingest.redcap import from_redcap, parse_choices


@pytest.fixture
def export(tmp_path):
    return write_records(tmp_path / "records.csv"), write_dictionary(tmp_path / "dict.csv")


def _fill_todos(folder):
    toml = folder / "cohort.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace(
        '# "1" = ""  # TODO: the intervention code of \'Hip and knee exercise\'',
        '"1" = "glute_strengthening+quadriceps_strengthening"',
    ).replace(
        '# "2" = ""  # TODO: the intervention code of \'Knee exercise\'',
        '"2" = "quadriceps_strengthening"',
    )
    text = text.replace(
        '# comparator = ""  # TODO: the intervention code of the control arm',
        'comparator = "quadriceps_strengthening"',
    )
    toml.write_text(text, encoding="utf-8")


def test_import_then_validate(export, tmp_path):
    records, dictionary = export
    out = tmp_path / "trial"
    code, stdout, _ = run_cli(
        "import", "redcap", str(records), "--dictionary", str(dictionary), "--out", str(out)
    )
    assert code == 0, stdout
    assert "participants 8, visits 23, adverse_events 3 rows" in stdout
    assert "intervention code of the arm 'Hip and knee exercise'" in stdout
    assert (out / "redcap" / "records.csv").read_bytes() == records.read_bytes()
    code, report = run_validate(out)
    assert code == 1 and reconciles(report)  # the TODOs are not filled in yet
    rules = {f["rule"] for f in report["failures"]}
    assert {"known_code", "missing_field"} <= rules
    _fill_todos(out)
    code, report = run_validate(out)
    assert code == 0, report["failures"]
    got = load_cohort(out)
    ref = load_cohort(EXAMPLE)
    cols = ["participant_id", "arm", "intervention", "age", "sex", "squat_test"]
    p = got.participants[cols].copy()
    p["arm"] = p["arm"].replace({"Hip and knee exercise": "Hip + knee exercise"})
    pd.testing.assert_frame_equal(p, ref.participants[cols])
    vcols = ["participant_id", "week", "pain", "akps"]
    pd.testing.assert_frame_equal(got.visits[vcols], ref.visits[vcols])
    ae = got.adverse_events[["participant_id", "week", "term", "severity", "serious"]]
    ref_ae = ref.adverse_events[["participant_id", "week", "term", "severity", "serious"]]
    pd.testing.assert_frame_equal(ae, ref_ae)
    assert {"where_pain___1", "where_pain___2", "where_pain___3"} <= set(got.visits.columns)


def test_not_a_raw_export(export, tmp_path):
    records, dictionary = export
    r = pd.read_csv(records, dtype=str, keep_default_na=False)
    r.columns = [f"Label of {c}" for c in r.columns]
    r["record_id"] = r["Label of record_id"]
    r.to_csv(records, index=False)
    with pytest.raises(ReadError, match="raw data"):
        from_redcap(records, dictionary, tmp_path / "x")
    code, _, err = run_cli(
        "import", "redcap", str(records), "--dictionary", str(dictionary), "--out",
        str(tmp_path / "y"),
    )  # fmt: skip
    assert code == 1 and "raw data" in err


def test_not_a_dictionary(export, tmp_path):
    records, _ = export
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    code, _, err = run_cli(
        "import", "redcap", str(records), "--dictionary", str(bad), "--out", str(tmp_path / "z")
    )
    assert code == 1 and "not a REDCap data dictionary" in err


def test_out_must_be_empty(export, tmp_path):
    records, dictionary = export
    out = tmp_path / "full"
    out.mkdir()
    (out / "x").write_text("x")
    code, _, err = run_cli(
        "import", "redcap", str(records), "--dictionary", str(dictionary), "--out", str(out)
    )
    assert code == 2 and "not empty" in err


def test_parse_choices():
    assert parse_choices("1, Female | 2, Male, or other") == {"1": "Female", "2": "Male, or other"}
    assert parse_choices(None) == {}


def test_classic_project_with_week_columns(tmp_path):
    """A project without events: one row per record, visit measures as columns per week."""
    import csv

    dictionary = tmp_path / "dict.csv"
    with open(dictionary, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Variable / Field Name", "Form Name", "Field Type", "Field Label",
                    "Choices, Calculations, OR Slider Labels"])  # fmt: skip
        w.writerow(["record_id", "trial", "text", "Record ID", ""])
        w.writerow(["group", "trial", "radio", "Group", "1, Knee brace | 2, Usual care"])
        for week in (0, 6):
            w.writerow([f"pain_w{week}", "trial", "text", f"Pain week {week}", ""])
    records = tmp_path / "records.csv"
    records.write_text(
        "record_id,group,pain_w0,pain_w6,trial_complete\n"
        "1,1,6,2,2\n2,2,5,4,2\n3,1,7,,2\n4,2,4,4,2\n"
    )
    out = tmp_path / "trial"
    result = from_redcap(records, dictionary, out)
    assert result.tables == {"participants": "participants.csv", "visits": "participants.csv"}
    text = (out / "cohort.toml").read_text()
    assert '[wide.visits]\npain = "pain_w{week}"' in text
    assert "visit_weeks = [0, 6]" in text
    assert 'comparator = "usual_care"' in text and '"1" = "knee_brace"' in text
    code, report = run_validate(out)
    assert code == 0, report["failures"]
    c = load_cohort(out)
    assert len(c.visits) == 7  # record 3 has no week-6 pain: no visit
    assert set(c.participants["intervention"]) == {"knee_brace", "usual_care"}
