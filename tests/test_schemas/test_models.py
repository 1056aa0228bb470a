"""The pandera models and the column specs read off them."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from kneestudy.schemas import SCHEMAS, check_manifest, table_spec


def test_specs_follow_design():
    p = table_spec("participants").columns
    assert (p["age"].lower, p["age"].upper) == (12.0, 90.0)
    assert p["participant_id"].unique and p["participant_id"].pattern
    assert p["sex"].allowed == ("female", "male", "other") and p["sex"].nullable
    assert "known_code" in p["intervention"].rules
    assert table_spec("visits").unique == ("participant_id", "week")
    assert table_spec("events").columns["time_weeks"].lower_strict
    assert table_spec("contrasts").columns["measure"].allowed == (
        "MD",
        "SMD",
        "logOR",
        "logRR",
        "logHR",
    )
    assert table_spec("contrasts").columns["se"].lower_strict


def test_model_rejects_bad_frame():
    frame = pd.DataFrame(
        {
            "participant_id": ["a"],
            "week": [-1.0],
            "pain": [1.0],
            "akps": [50.0],
            "grc": pd.array([3], dtype="Int64"),
            "adherence": [0.5],
        }
    )
    with pytest.raises(pa.errors.SchemaError):
        SCHEMAS["visits"].validate(frame)


def test_check_manifest_returns_manifest():
    m, failures = check_manifest(
        {
            "cohort_id": "c1",
            "title": "t",
            "design": "single_arm",
            "primary_outcome": "akps",
            "primary_week": 12,
            "visit_weeks": [0, 12],
            "risk_of_bias": "high",
            "source": "Someone 2021",
            "tables": {"participants": "p.csv", "visits": "sub/v.parquet"},
            "codes": {"yoga": "Yoga"},
        }
    )
    assert failures == [] and m.primary_week == 12.0 and m.codes == {"yoga": "Yoga"}
    assert m.visit_weeks == (0.0, 12.0)
