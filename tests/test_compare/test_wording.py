"""kneestudy.compare.wording: GRADE informative statements (Santesso et al. 2020)."""

from __future__ import annotations

import math

import pytest

from kneestudy.compare.scales import scale_for
from kneestudy.compare.wording import verdict

PAIN = scale_for("pain")


def _v(level, est, lo, hi, sc=PAIN, when="up to 3 months"):
    return verdict("Glute strengthening", level, est, lo, hi, sc, when, "inactive control")


@pytest.mark.parametrize(
    ("level", "start"),
    [
        ("high", "Glute strengthening reduces pain up to 3 months compared with inactive control"),
        ("moderate", "Glute strengthening probably reduces pain up to 3 months"),
        ("low", "Glute strengthening may reduce pain up to 3 months"),
        ("very low", "The evidence is very uncertain about the effect of glute strengthening on "
                     "pain up to 3 months"),
    ],
)  # fmt: skip
def test_important_effects(level, start):
    text = _v(level, -2.5, -3.2, -1.8)
    assert text.startswith(start)
    assert "mean difference -2.5 points on the 0–10 pain scale, 95% CI -3.2 to -1.8; MCID 2" in text


@pytest.mark.parametrize(
    ("level", "phrase"),
    [("high", "results in little or no difference"),
     ("moderate", "probably results in little or no difference"),
     ("low", "may result in little or no difference")],
)  # fmt: skip
def test_little_or_no_difference_only_within_the_mcid(level, phrase):
    assert phrase in _v(level, -0.3, -0.9, 0.3)
    # an estimate beyond the MCID is named by its direction, even with a CI through 0
    assert "little or no difference" not in _v(level, -2.2, -4.5, 0.1)


def test_direction_and_scales():
    assert "probably increases pain" in _v("moderate", 2.5, 1.0, 4.0)
    akps = scale_for("akps")
    assert "may improve the AKPS score" in verdict("X", "low", 12, 3, 21, akps, "", "c")
    rec = scale_for("recovered")
    t = verdict(
        "X", "high", math.log(2.0), math.log(1.6), math.log(2.5), rec, "up to 3 months", "c"
    )
    assert "increases the chance of recovery" in t and "odds ratio 2.00" in t and "(assumed)" in t
    pf = scale_for("pain_free")
    assert "shortens the time to becoming pain-free" in verdict(
        "X", "moderate", math.log(1.8), math.log(1.2), math.log(2.7), pf, "", "c"
    )
    smd = verdict("X", "moderate", -0.8, -1.1, -0.5, scale_for("function"), "", "c")
    assert "SD" in smd and "points" not in smd
