"""Manifest: declared codes with an idea, the mapping sections, and their TOML round trip."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from kneestudy.ingest.model import Manifest, Study
from kneestudy.schemas import check_manifest

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_manifest() -> dict:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Your own data", 1)[1]
    (block,) = re.findall(r"```toml\n(.*?)```", section, flags=re.S)[:1]
    return tomllib.loads(block)


def test_readme_example_is_a_valid_manifest():
    m, failures = check_manifest(_readme_manifest())
    assert failures == [] and m is not None
    assert m.code_ideas == {"my_brace": "knee_brace"}
    assert m.columns["visits"]["pain"] == "VAS_worst"
    assert m.values["visits"]["pain"] == {"999": ""}
    assert m.weeks == {"Baseline": 0.0, "Week 6": 6.0, "Week 12": 12.0}
    assert m.tables["visits"] == "followup.xlsx#Visits"


def test_manifest_round_trip_keeps_mapping_and_ideas():
    m, _ = check_manifest(_readme_manifest())
    again, failures = check_manifest(tomllib.loads(m.to_toml()))
    assert failures == []
    assert again == m
    assert m.has_mapping and not m.without_mapping().has_mapping


def test_old_code_form_still_valid_and_code_ideas_empty():
    data = _readme_manifest()
    data["codes"] = {"yoga": "Yoga"}
    m, failures = check_manifest(data)
    assert failures == [] and m.codes == {"yoga": "Yoga"} and m.code_ideas == {}
    assert Manifest("a", "b").code_ideas == {}


def test_study_manifest_code_ideas():
    study = Study(
        study_id="s",
        title="t",
        metadata={"codes": {"my_brace": {"label": "Brace", "idea": "knee_brace"}, "x": "X"}},
    )
    assert study.manifest.code_ideas == {"my_brace": "knee_brace"}
    assert study.manifest.codes == {"my_brace": "Brace", "x": "X"}
    assert Study(study_id="s", title="t").manifest.code_ideas == {}
