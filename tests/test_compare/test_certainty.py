"""Certainty of each idea, domain by domain, on small networks rated by hand.

Each test builds a network of published pain contrasts (MD on 0–10, MCID 2, so the
thresholds are −2 for benefit and +2 for harm) whose correct rating is worked out in
its docstring, and checks the domain of ``compare_ideas(...).certainty``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from _studies import contrast, study

from kneestudy import compare_ideas
from kneestudy.compare import certainty as cert
from kneestudy.compare.scales import scale_for


def _rate(rows, idea, domain, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cmp = compare_ideas(study(rows), "pain", **kw)
    c = cmp.certainty.set_index(["idea", "domain"])
    return c.loc[(idea, domain)], cmp


def test_within_study_bias_is_per_study_weighted_by_contribution():
    """Orthotics vs flat inserts, common effect: s1 at low risk (SE 0.1), s2 and s3 at high
    risk (SE 0.5 each). Per row, two of three are high; by contribution s1 has
    100/(100 + 4 + 4) = 92.6% of the weight: average score 0.926·1 + 0.074·3 = 1.15 < 1.5,
    no concerns. With all SEs 0.5 the weights are 1/3 each: (1 + 3 + 3)/3 = 2.33, some
    concerns; all three high: 3, major concerns (two levels)."""
    rows = [contrast("s1", "orthotics", "flat_insert", -0.5, 0.1, risk_of_bias="low"),
            contrast("s2", "orthotics", "flat_insert", -0.6, 0.5, risk_of_bias="high"),
            contrast("s3", "orthotics", "flat_insert", -0.4, 0.5, risk_of_bias="high")]  # fmt: skip
    j, _ = _rate(rows, "orthotics", "within-study bias", random=False)
    assert (j["level"], j["downgrade"]) == ("no concerns", 0)
    assert "93% low" in j["reason"] and "(average score 1.15)" in j["reason"]
    rows[0]["se"] = 0.5
    j, _ = _rate(rows, "orthotics", "within-study bias", random=False)
    assert (j["level"], j["downgrade"]) == ("some concerns", 1)
    rows[0]["risk_of_bias"] = "high"
    j, _ = _rate(rows, "orthotics", "within-study bias", random=False)
    assert (j["level"], j["downgrade"]) == ("major concerns", 2)
    del rows[0]["risk_of_bias"]
    j, _ = _rate(rows, "orthotics", "within-study bias", random=False)
    assert "no rating for s1: counted as some concerns" in j["reason"]


def test_reporting_bias_from_ten_studies():
    """Twelve trials isolate orthotics (vs flat inserts) and their effects grow with their
    SE, y = −4·SE: Egger's regression slope is −4, far from 0, so small-study effects are
    suspected (one level). With nine trials the domain is not assessed (Sterne 2011)."""
    se = np.linspace(0.1, 1.2, 12)
    rows = [contrast(f"s{i}", "orthotics", "flat_insert", -4 * s + 0.01 * (-1) ** i, s)
            for i, s in enumerate(se)]  # fmt: skip
    j, _ = _rate(rows, "orthotics", "reporting bias")
    assert (j["level"], j["downgrade"]) == ("some concerns", 1)
    assert "12 studies" in j["reason"] and "Egger" in j["reason"]
    j, _ = _rate(rows[:9], "orthotics", "reporting bias")
    assert (j["level"], j["downgrade"]) == ("not assessed", 0)
    assert "9 studies isolate" in j["reason"]
    flat = [contrast(f"s{i}", "orthotics", "flat_insert", -0.5 + 0.3 * (-1) ** i, s)
            for i, s in enumerate(se)]  # fmt: skip
    j, _ = _rate(flat, "orthotics", "reporting bias")
    assert j["level"] == "no concerns"


def test_indirectness_is_population_and_intervention_not_missing_direct_comparisons():
    """Glucosamine vs placebo only in knee osteoarthritis: every study highly indirect,
    average 3, major concerns. Half the weight from patellofemoral pain (equal SEs): 2,
    some concerns. Orthotics known only through stretching (orthotics vs stretching,
    stretching vs usual care) has no direct comparison with the reference; that is not
    indirectness: no concerns. Taping standing for the physical therapist: some concerns."""
    oa = [contrast("g1", "glucosamine", "placebo", -0.3, 0.2, population="knee osteoarthritis")]
    j, _ = _rate(oa, "glucosamine", "indirectness")
    assert (j["level"], j["downgrade"]) == ("major concerns", 2)
    assert "knee osteoarthritis" in j["reason"]
    mixed = oa + [contrast("g2", "glucosamine", "placebo", -0.1, 0.2)]
    j, _ = _rate(mixed, "glucosamine", "indirectness", random=False)
    assert (j["level"], j["downgrade"]) == ("some concerns", 1)
    chain = [contrast("a", "orthotics", "stretching", -0.5, 0.3),
             contrast("b", "stretching", "usual_care", -0.4, 0.3)]  # fmt: skip
    j, _ = _rate(chain, "orthotics", "indirectness")
    assert (j["level"], j["downgrade"]) == ("no concerns", 0)
    tape = [contrast("t", "taping", "usual_care", -0.5, 0.3)]
    j, _ = _rate(tape, "physical_therapy", "indirectness")
    assert (j["level"], j["downgrade"]) == ("some concerns", 1)
    assert "taping stands for physical therapist" in j["reason"]


def test_imprecision_against_the_mcid_thresholds():
    """One trial per idea against usual care (common effect, thresholds −2 and +2):
    orthotics −3.0 (SE 0.3), CI −3.59 to −2.41, crosses neither: no downgrade (the whole
    CI beyond the MCID is precise, not imprecise); stretching −2.0 (SE 0.5), CI −2.98 to
    −1.02, crosses −2: one level; glute 0.0 (SE 1.5), CI −2.94 to 2.94, spans important
    benefit and harm: two levels; running form 0.1 (SE 0.3), CI −0.49 to 0.69, inside the
    trivial zone: no downgrade."""
    rows = [contrast("o", "orthotics", "usual_care", -3.0, 0.3),
            contrast("s", "stretching", "usual_care", -2.0, 0.5),
            contrast("g", "glute_strengthening", "usual_care", 0.0, 1.5),
            contrast("r", "running_form", "usual_care", 0.1, 0.3)]  # fmt: skip
    _, cmp = _rate(rows, "orthotics", "imprecision", random=False)
    c = cmp.certainty.set_index(["idea", "domain"])
    got = {i: (c.loc[(i, "imprecision"), "level"], c.loc[(i, "imprecision"), "downgrade"])
           for i in ("orthotics", "stretching", "glute_strengthening", "running_form")}  # fmt: skip
    assert got == {"orthotics": ("no concerns", 0), "stretching": ("some concerns", 1),
                   "glute_strengthening": ("major concerns", 2),
                   "running_form": ("no concerns", 0)}  # fmt: skip
    assert "benefit and important harm" in c.loc[("glute_strengthening", "imprecision"), "reason"]


def test_heterogeneity_from_the_prediction_interval():
    """Three trials of orthotics vs flat inserts, −4, −5, −6 (SE 0.3): Q = 11.1·2 = 22.2 on
    2 df, C = 33.3 − 11.1 = 22.2, τ² = (22.2 − 2)/22.2 = 0.91; estimate −5, SE 1/√3, CI
    −6.13 to −3.87 (beyond −2: no threshold crossed); PI −5 ± t(0.975, 2)·√(1/3 + 0.91)
    = −9.80 to −0.20, which reaches the trivial zone across −2: one level. A single trial
    leaves no degrees of freedom for τ²: not assessable, and it says so."""
    rows = [
        contrast(f"s{i}", "orthotics", "flat_insert", y, 0.3) for i, y in enumerate((-4, -5, -6))
    ]
    j, cmp = _rate(rows, "orthotics", "heterogeneity")
    assert cmp.tau2 == pytest.approx(0.91)
    t = cmp.table.set_index("idea").loc["orthotics"]
    half = 4.302652729911275 * math.sqrt(1 / 3 + 0.91)
    assert (t["pi_low"], t["pi_high"]) == (pytest.approx(-5 - half), pytest.approx(-5 + half))
    assert (j["level"], j["downgrade"]) == ("some concerns", 1)
    assert "important benefit (-2)" in j["reason"]
    c = cmp.certainty.set_index(["idea", "domain"])
    assert c.loc[("orthotics", "imprecision"), "level"] == "no concerns"
    j, _ = _rate(rows[:1], "orthotics", "heterogeneity")
    assert (j["level"], j["downgrade"]) == ("not assessable", 0)
    assert "degrees of freedom" in j["reason"]


def test_incoherence_from_node_splitting_and_design_by_treatment():
    """A loop, common effect: orthotics vs usual care −2 (SE 0.2), stretching vs usual care
    −1 (SE 0.2), orthotics vs stretching +2 (SE 0.2). Direct orthotics − stretching is +2,
    indirect −2 − (−1) = −1: a difference of 3 on variance 0.04 + 0.08, z = 8.7, p < 0.01,
    and the design-by-treatment Q between designs is 9/0.12 = 75 on 1 df: major concerns.
    Without the third trial there is no loop: not assessable."""
    rows = [contrast("a", "orthotics", "usual_care", -2.0, 0.2),
            contrast("b", "stretching", "usual_care", -1.0, 0.2),
            contrast("c", "orthotics", "stretching", 2.0, 0.2)]  # fmt: skip
    j, cmp = _rate(rows, "orthotics", "incoherence", random=False)
    assert (j["level"], j["downgrade"]) == ("major concerns", 2)
    assert cmp.design_by_treatment.q_between == pytest.approx(75.0)
    assert "node split" in j["reason"]
    j, _ = _rate(rows[:2], "orthotics", "incoherence", random=False)
    assert (j["level"], j["downgrade"]) == ("not assessable", 0)


def test_incoherence_includes_the_additivity_test():
    """Orthotics −1, brace −1 and orthotics + brace +1 against usual care (SE 0.2 each):
    the additive fit is a = b = 0 (least squares of −1 = a, −1 = b, 1 = a + b), residuals
    −1, −1, 1, Q_add = 3/0.04 = 75 against Q_std = 0: Q diff 75 on 1 df, p < 0.01, major
    concerns for both components."""
    rows = [contrast("a", "orthotics", "usual_care", -1.0, 0.2),
            contrast("b", "knee_brace", "usual_care", -1.0, 0.2),
            contrast("c", "orthotics+knee_brace", "usual_care", 1.0, 0.2)]  # fmt: skip
    j, cmp = _rate(rows, "orthotics", "incoherence", random=False)
    assert cmp.additivity.q_diff == pytest.approx(75.0) and cmp.additivity.df_diff == 1
    assert (j["level"], j["downgrade"]) == ("major concerns", 2)
    assert "additivity test" in j["reason"]
    est = cmp.table.set_index("idea").loc["orthotics", "estimate"]
    assert est == pytest.approx(0.0, abs=1e-12)


def test_overall_level_and_wording():
    """Orthotics −0.1 (SE 0.3) from one trial with some concerns for risk of bias: one
    level down, moderate; the estimate is within the MCID, so 'probably results in little
    or no difference' (Santesso 2020), naming the window."""
    rows = [contrast("o", "orthotics", "usual_care", -0.1, 0.3, risk_of_bias="some_concerns")]
    _, cmp = _rate(rows, "orthotics", "imprecision")
    t = cmp.table.set_index("idea").loc["orthotics"]
    assert t["certainty"] == "moderate"
    assert t["verdict"].startswith(
        "Insoles / orthotics probably results in little or no difference in pain up to 3 months"
    )


def test_rules_one_by_one():
    sc = scale_for("pain")
    assert cert.imprecision((-1.0, 1.0), sc).downgrade == 0
    assert cert.imprecision((-2.5, -1.0), sc).downgrade == 1
    assert cert.imprecision((1.0, 2.5), sc).reason.endswith("important harm (+2)")
    assert cert.imprecision((float("nan"), 1.0), sc).level == "not assessable"
    h = cert.heterogeneity((-0.5, 0.5), (-3.0, 3.0), sc)
    assert (h.level, h.downgrade) == ("major concerns", 2)
    assert cert.heterogeneity((-3.0, 3.0), (-4.0, 4.0), sc).downgrade == 0  # CI already spans both
    assert cert.incoherence([("a", 0.05)]).downgrade == 1
    assert cert.incoherence([("a", 0.5), ("b", 0.009)]).downgrade == 2
    assert cert.incoherence([("a", float("nan"))]).level == "not assessable"
    ratio = scale_for("recovered")
    assert cert.imprecision((math.log(0.5), math.log(2.0)), ratio).downgrade == 2
    assert cert.imprecision((math.log(1.6), math.log(3.0)), ratio).downgrade == 0
    js = [
        cert.Judgement("x", "major concerns", 2, "a"),
        cert.Judgement("y", "major concerns", 2, "b"),
    ]
    assert cert.overall(js) == ("very low", ["x: a", "y: b"])
    assert cert.overall([]) == ("high", [])
    assert cert.within_study_bias({"s": 0.0}, {"s": "low"}).level == "not assessable"


def test_indirectness_names_only_studies_that_contribute():
    """Orthotics vs flat inserts in one trial in patellofemoral pain (s1) and a physical
    therapist vs placebo in one trial in knee osteoarthritis (s2): the two components are
    estimated from separate trials, so s2 carries no weight for orthotics (its share is
    zero up to rounding noise of the weight algebra) and orthotics is not indirect; the
    physical therapist is, by s2's population (100% high indirectness, two levels)."""
    rows = [contrast("s1", "orthotics", "flat_insert", -0.5, 0.3),
            contrast("s2", "physical_therapy", "placebo", -0.4, 0.3,
                     population="knee osteoarthritis")]  # fmt: skip
    j, _ = _rate(rows, "orthotics", "indirectness", random=False)
    assert (j["level"], j["downgrade"]) == ("no concerns", 0)
    assert "s2" not in j["reason"]
    j, _ = _rate(rows, "physical_therapy", "indirectness", random=False)
    assert (j["level"], j["downgrade"]) == ("major concerns", 2)
    assert "knee osteoarthritis (s2)" in j["reason"]


def test_incoherence_reason_names_the_deciding_test_once():
    j = cert.incoherence([("additivity test", 0.004), ("design-by-treatment interaction", 0.2)])
    assert (
        j.reason
        == "additivity test p = 0.004 (< 0.01); also design-by-treatment interaction p = 0.2"
    )
    assert cert.incoherence([("additivity test", 0.004)]).reason.count("additivity") == 1
