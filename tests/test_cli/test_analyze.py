"""``kneestudy analyze --json``: every result, full precision, errors named."""

from __future__ import annotations

import json

from report_standins import install_fakes, make_cohort

from kneestudy.cli import main


def test_analyze_json_has_every_result(monkeypatch, tmp_path, capsys):
    install_fakes(monkeypatch)
    folder = make_cohort(cohort_id="hip-a").write(tmp_path / "hip-a")
    assert main(["analyze", str(folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"] == {"outcome": "pain", "week": None, "pain_free_threshold": 1.0}
    assert len(data["comparison"]["table"]) == 8
    (c,) = data["cohorts"]
    for key in ("ancova_pain", "ancova_akps", "mmrm", "responders", "kaplan_meier",
                "logrank", "cox", "rmst", "consort", "baseline", "adverse_events"):  # fmt: skip
        assert key in c, key
    assert c["ancova_pain"]["glute_strengthening+quadriceps_strengthening"]["estimate"] == -1.0
    # the RMST stand-in raises AnalysisError: reported, not fatal
    assert c["rmst"] == {"error": "no events before tau"}
    assert [r["allocated"] for r in c["consort"]] == [12, 12]
    # full precision: a risk of 1/12 is not rounded
    risks = [r["risk"] for r in c["adverse_events"]]
    assert risks[0] == 2 / 12


def test_analyze_text_summary(monkeypatch, tmp_path, capsys):
    install_fakes(monkeypatch)
    folder = make_cohort(cohort_id="hip-a").write(tmp_path / "hip-a")
    assert main(["analyze", str(folder), "--outcome", "akps", "--week", "4"]) == 0
    out = capsys.readouterr().out
    assert "cohort hip-a: 2 arms; not computed: rmst" in out


def test_analyze_missing_folder(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "none"), "--json"]) == 2


def test_errors_inside_per_arm_results_are_json():
    # responders gives one result per treatment arm; an arm's AnalysisError must not
    # break the JSON output of the whole study
    from kneestudy.cli.analyze import _jsonable
    from kneestudy.errors import AnalysisError

    assert _jsonable({"arm a": AnalysisError("no events")}) == {"arm a": {"error": "no events"}}
