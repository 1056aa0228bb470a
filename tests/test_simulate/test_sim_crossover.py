"""kneestudy.simulate.crossover: brace settings within person.

Monte-Carlo tolerances are 4 standard errors of the simulated estimate.
"""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest

import kneestudy as ks
from kneestudy.errors import AnalysisError


@pytest.fixture(scope="module")
def big():
    return ks.simulate.crossover(n=20_000, seed=4)


def _wide(c):
    return c.visits.pivot(index="participant_id", columns="condition", values="pain")


def test_structure_and_validity(tmp_path):
    from kneestudy.ingest import load_cohort, validate_cohort

    c = ks.simulate.crossover(n=41, seed=1, period_weeks=2)
    assert c.manifest.design == "crossover" and c.manifest.visit_weeks == (0.0, 2.0, 4.0)
    assert set(c.manifest.codes) == {"knee_brace_medial", "knee_brace_lateral"}
    assert (c.participants["intervention"] == "knee_brace").all()
    assert sorted(c.participants["arm"].value_counts().tolist()) == [20, 21]
    each = c.visits.groupby("participant_id")["condition"].apply(lambda s: sorted(s))
    assert each.map(tuple).nunique() == 1  # everyone has baseline + both settings
    report = validate_cohort(c)
    assert report.ok, report
    back = load_cohort(c.write(tmp_path / "x"))
    for name, frame in c.tables().items():
        pd.testing.assert_frame_equal(getattr(back, name), frame, check_exact=True)


def test_settings_equal_on_average_but_not_per_person(big):
    d = _wide(big)
    diff = d["knee_brace_medial"] - d["knee_brace_lateral"]
    assert abs(
        diff.mean() - big.truth["mean_difference_medial_minus_lateral"]
    ) < 4 * diff.std() / np.sqrt(len(diff))
    # two preferred directions: the spread is far wider than within-person noise
    assert diff.std() > 1.2
    for code in ("knee_brace_medial", "knee_brace_lateral"):
        change = d[code] - d["usual_care"]
        # vs baseline: setting effect plus the natural improvement of that week
        assert change.mean() < big.truth["setting_effect"][code] / 2


def test_same_seed_same_bytes(tmp_path):
    a = ks.simulate.crossover(n=30, seed=9).write(tmp_path / "a")
    b = ks.simulate.crossover(n=30, seed=9).write(tmp_path / "b")
    c = ks.simulate.crossover(n=30, seed=10).write(tmp_path / "c")
    names = sorted(p.name for p in a.iterdir())
    assert filecmp.cmpfiles(a, b, names, shallow=False)[0] == names
    assert "visits.csv" in filecmp.cmpfiles(a, c, names, shallow=False)[1]


@pytest.mark.parametrize(
    "kwargs", [{"n": 1}, {"seed": -2}, {"period_weeks": 0}, {"period_weeks": "x"}]
)
def test_bad_arguments(kwargs):
    with pytest.raises(AnalysisError):
        ks.simulate.crossover(**kwargs)
