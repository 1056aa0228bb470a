"""Per-cohort trial content: sensitivity analyses, crossover, the seed's claims, harms, PH test.

Cohorts are simulated here (``ks.simulate``), never the demo study, and the
numbers in every table are checked against the result objects of
``kneestudy.effects`` run on the same cohort.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import kneestudy as ks
from kneestudy.ingest.model import Study
from kneestudy.report import format as fmt
from kneestudy.report.applicability import claim_arms, not_applicable
from kneestudy.report.cohort import cohort_section, cohort_view
from kneestudy.report.content import slug
from kneestudy.report.settings import Settings


def _view(cohort, settings=None):
    settings = settings or Settings()
    return cohort_view(cohort, "cohort-1", "c", settings), settings


def _blocks(v, settings, kind=None):
    section = cohort_section(v, settings)
    return [b for b in section.blocks if kind is None or b.type == kind]


def _table(v, settings, key):
    return next(b for b in _blocks(v, settings, "table") if b.key == key)


@pytest.fixture(scope="module")
def glute():
    # 3 arms, visits to week 12, the simulator's dropout (someone is missing at week 12)
    return ks.simulate.cohort("glute_strengthening", n=150, seed=3,
                              arms=["glute_strengthening+quadriceps_strengthening",
                                    "quadriceps_strengthening", "usual_care"],
                              weeks=(0, 2, 6, 12), dropout=0.08)  # fmt: skip


@pytest.fixture(scope="module")
def glute_view(glute):
    return _view(glute)


@pytest.fixture(scope="module")
def brace():
    return ks.simulate.cohort("knee_brace", n=80, seed=5, weeks=(0, 2, 6, 12), dropout=0.05)


@pytest.fixture(scope="module")
def gluc():
    return ks.simulate.cohort("glucosamine", n=100, seed=2, weeks=(0, 4, 12), dropout=0.05)


@pytest.fixture(scope="module")
def cross():
    return ks.simulate.crossover(n=30, seed=4)


# -- sensitivity analyses -------------------------------------------------------


def test_sensitivity_table_equals_the_result_and_states_each_estimand(glute, glute_view):
    v, settings = glute_view
    res = v.results["sensitivity"]
    want = ks.effects.sensitivity_table(glute, "pain", 12.0, m=settings.imputations,
                                        seed=settings.imputation_seed, approach="condmean")  # fmt: skip
    pd.testing.assert_frame_equal(res.table, want.table)
    code = "glute_strengthening+quadriceps_strengthening"
    t = _table(v, settings, f"c-sensitivity-{code.replace('+', '-')}")
    data = t.data.set_index("analysis")
    mine = want.table[want.table["treatment"] == code].set_index("analysis")
    for row in ("primary: MMRM", "complete cases: ANCOVA", "conditional mean: J2R",
                "conditional mean: CR", "conditional mean: CIR"):  # fmt: skip
        assert data.loc[row, "md_estimate"] == mine.loc[row, "estimate"]
        assert data.loc[row, "md_ci_low"] == mine.loc[row, "ci_low"]
        assert np.isnan(data.loc[row, "rr_estimate"])
    nri = "responders: dropouts as non-responders"
    assert data.loc[nri, "rr_estimate"] == mine.loc[nri, "estimate"]
    # every row says what it assumes about the people who withdrew (ICH E9(R1) strategies)
    assert data["assumption"].str.len().gt(20).all()
    assert data.loc["primary: MMRM", "assumption"].startswith("Hypothetical strategy")
    assert data.loc["conditional mean: J2R", "assumption"].startswith("Treatment policy")
    assert "Usual care" in data.loc["conditional mean: CR", "assumption"]
    assert "m = 50, seed 0" in " ".join(t.notes)
    # the primary MMRM row is the report's MMRM at the week
    mm = v.results["mmrm"].at_week(12.0, code)
    assert data.loc["primary: MMRM", "md_estimate"] == mm.estimate


def test_tipping_point_plot_and_sentence(glute_view):
    v, settings = glute_view
    res = v.results["sensitivity"]
    figures = [b for b in _blocks(v, settings, "figure") if "tipping-point" in b.name]
    shifted = [c for c, tp in res.tipping.items() if tp.n_shifted]
    assert len(figures) == len(shifted) >= 1
    for fig in figures:
        code = next(c for c in shifted if fig.name == f"c-tipping-point-{slug(c)}")
        tp = res.tipping[code]
        (sentence,) = fig.notes
        assert f"m = {tp.m}, seed {tp.seed}" in sentence
        if np.isfinite(tp.tipping_delta) and tp.conclusion_at_zero == "benefit":
            assert f"{fmt.number(abs(tp.tipping_delta), 1)} points more pain" in sentence
            assert "similar people" in sentence and "who stayed" in sentence
        assert "<svg" in fig.svg()


def test_tipping_sentence_in_each_direction():
    from kneestudy.report.missing_data import tipping_sentence

    tp = SimpleNamespace(outcome="pain", week=12.0, n_shifted=7, m=50, seed=0,
                         tipping_delta=1.234, conclusion_at_zero="benefit")  # fmt: skip
    text = tipping_sentence(tp, "Hip", "Usual care")
    assert "had on average 1.2 points more pain at week 12 than similar people on Hip" in text
    assert "less than the 2-point minimal important change" in text
    tp.conclusion_at_zero, tp.tipping_delta = "inconclusive", -3.0
    assert "only if the 7 people on Hip" in tipping_sentence(tp, "Hip", "Usual care")
    assert "3.0 points less pain" in tipping_sentence(tp, "Hip", "Usual care")
    tp.outcome, tp.tipping_delta, tp.conclusion_at_zero = "akps", -4.0, "benefit"
    assert "4.0 points lower AKPS (worse function)" in tipping_sentence(tp, "Hip", "UC")
    tp.tipping_delta = float("nan")
    assert "No shift of the imputed values within the width" in tipping_sentence(tp, "Hip", "UC")
    tp.n_shifted = 0
    assert "there is no tipping point" in tipping_sentence(tp, "Hip", "UC")


def test_nothing_missing_needs_no_sensitivity_analysis():
    c = ks.simulate.cohort("glute_strengthening", n=40, seed=1, weeks=(0, 6, 12), dropout=0.0)
    v, settings = _view(c)
    assert sum(v.results["missing_at_week"].values()) == 0 and "sensitivity" not in v.results
    texts = [b.text for b in _blocks(v, settings, "paragraph")]
    assert any(t.startswith("Nobody's pain at week 12 is missing") for t in texts)
    assert not [b for b in _blocks(v, settings, "table") if "sensitivity" in b.key]


def test_a_failing_sensitivity_analysis_is_a_problem_not_a_crash(glute, monkeypatch):
    from kneestudy import effects
    from kneestudy.errors import AnalysisError

    def fail(*a, **k):
        raise AnalysisError("the imputation model did not converge")

    monkeypatch.setattr(effects, "sensitivity_table", fail)
    v, settings = _view(glute)
    problems = [b.text for b in _blocks(v, settings, "problem")]
    assert any("sensitivity analyses could not be computed" in p and "converge" in p
               for p in problems)  # fmt: skip


# -- crossover ------------------------------------------------------------------


def test_crossover_shows_the_within_person_comparison(cross):
    v, settings = _view(cross)
    res = ks.effects.crossover(cross)
    t = _table(v, settings, "c-crossover")
    first = t.data.iloc[0]
    assert (first["estimate"], first["ci_low"], first["ci_high"], first["p_value"]) == (
        res.estimate, res.ci_low, res.ci_high, res.p_value)  # fmt: skip
    senn = t.data.iloc[1]
    assert senn["estimate"] == res.senn_estimate and senn["p_value"] == res.senn_p
    assert "Knee brace, medial pull" in first["effect"]  # declared codes by their labels
    texts = " ".join(b.text for b in _blocks(v, settings, "paragraph"))
    assert "Period effects" in texts and "Carry-over" in texts
    assert "is not used to choose the analysis" in texts
    assert "Does the best condition differ by person? That cannot be estimated" in texts
    # the parallel-group analyses are left out with one line each, not shown as failures
    lines = [b.text for b in _blocks(v, settings, "not_applicable")]
    assert any("parallel-group effects" in t and "sensitivity" in t for t in lines)
    assert any("brace's immediate effect" in t for t in lines)
    assert not _blocks(v, settings, "problem")
    assert "sensitivity" not in v.results and "missing_at_week" not in v.results


def test_person_level_variation_is_reported_where_estimable():
    from kneestudy.report.crossover import _person_sentence

    v = SimpleNamespace(original=SimpleNamespace(manifest=SimpleNamespace(codes={})))
    res = SimpleNamespace(condition="knee_brace", reference="usual_care", effect_sd=0.84,
                          effect_sd_p=0.002, share_better=0.71, effect_sd_note="")  # fmt: skip
    text = _person_sentence(res, v)
    assert "SD between persons" in text and "0.84" in text and "about 71% of people" in text


# -- the seed's claims ----------------------------------------------------------


def test_squat_test_subgroup_with_interaction_and_iceman(glute, glute_view):
    v, settings = glute_view
    code = "glute_strengthening+quadriceps_strengthening"
    assert claim_arms(glute) == {"squat_test": [code], "immediate_effect": []}
    res = ks.effects.squat_test_claim(glute, "pain", 12.0, treatment=code)
    t = _table(v, settings, "c-squat-test")
    inter = t.data[t.data["level"] == "interaction"].iloc[0]
    assert (inter["estimate"], inter["ci_low"], inter["ci_high"]) == (
        res.interaction_estimate, res.interaction_ci_low, res.interaction_ci_high)  # fmt: skip
    levels = t.data[t.data["level"] != "interaction"]
    assert list(levels["estimate"]) == list(res.subgroups["estimate"])
    items = _table(v, settings, "c-squat-test-iceman")
    assert list(items.data["answer"]) == list(res.items["answer"])
    assumed = items.data.loc[items.data["assumption"], "basis"]
    assert (assumed == "assumption (kneestudy's reading)").all() and len(assumed) >= 1
    # only arms of glute strengthening: quadriceps alone is not asked about
    assert not [b for b in _blocks(v, settings, "table") if "squat" in b.key and "quad" in b.key]


def test_claims_are_not_mentioned_where_their_idea_is_not_tested(gluc):
    v, settings = _view(gluc)
    heads = [b.text for b in _blocks(v, settings, "heading")]
    assert not [h for h in heads if "squat" in h or "brace" in h]


def test_brace_immediate_effect_at_the_first_follow_up(brace):
    v, settings = _view(brace)
    (code,) = claim_arms(brace)["immediate_effect"]
    res = ks.effects.immediate_effect(brace, "pain", treatment=code)
    rr = ks.effects.responders(brace, "pain", ks.effects.first_follow_up(brace), treatment=code)
    t = _table(v, settings, "c-immediate-effect")
    row = t.data.iloc[0]
    assert row["week"] == 2.0 == res.week
    assert (row["estimate"], row["ci_low"], row["p_value"]) == (res.estimate, res.ci_low,
                                                               res.p_value)  # fmt: skip
    assert (row["rr"], row["rr_ci_high"]) == (rr.rr, rr.rr_ci_high)
    heads = [b.text for b in _blocks(v, settings, "heading")]
    assert "Does the brace help at once? The effect at the first follow-up (week 2)" in heads


def test_single_arm_glute_cohort_says_why_the_claim_is_not_tested(glute):
    p = glute.participants
    keep = p[p["intervention"] == "glute_strengthening+quadriceps_strengthening"]
    one = dataclasses.replace(
        glute,
        manifest=dataclasses.replace(glute.manifest, design="single_arm", comparator=None),
        participants=keep.reset_index(drop=True),
        visits=glute.visits[glute.visits["participant_id"].isin(keep["participant_id"])],
        adverse_events=None,
    )
    items = not_applicable(one)
    claims = [i for i in items if i.part == "claims"]
    assert len(claims) == 1 and "squat-test" in claims[0].what
    v, settings = _view(one)
    assert "squat_test" not in v.results
    assert any("squat-test" in b.text for b in _blocks(v, settings, "not_applicable"))


# -- harms ------------------------------------------------------------------------


def test_adverse_events_by_term_with_multiplicity_and_the_glucosamine_claim(gluc):
    v, settings = _view(gluc)
    terms = ks.effects.adverse_events_by_term(gluc)
    t = _table(v, settings, "c-adverse-events-by-term")
    for col in ("with_event", "rr", "fisher_p", "p_adjusted"):
        pd.testing.assert_series_equal(t.data[col], terms[col], check_names=False)
    assert terms.attrs["multiplicity"] in t.notes
    assert [h.unit for h in t.header()][-1] == "Holm"
    claim = next(b.text for b in _blocks(v, settings, "paragraph") if "no known side" in b.text)
    ae = ks.effects.adverse_events(gluc).set_index("intervention")
    g = ae.loc["glucosamine"]
    assert f"{int(g['with_event'])} of {int(g['n'])} people on" in claim
    assert f"{terms.attrs['n_comparisons']} term comparisons (Holm)" in claim
    assert "not evidence of none" in claim or "contradict the claim" in claim


def test_glucosamine_claim_only_in_cohorts_that_test_it(brace):
    v, settings = _view(brace)
    assert not [b for b in _blocks(v, settings, "paragraph") if "no known side" in b.text]


# -- proportional hazards -----------------------------------------------------------


def test_cox_proportional_hazards_test_in_plain_words(glute_view):
    v, settings = glute_view
    cx = v.results["cox"]
    assert cx.ph_test is not None
    para = next(b for b in _blocks(v, settings, "paragraph") if b.text.startswith("Proportional"))
    assert para.text == "Proportional hazards: " + cx.ph_note(0.05)
    assert para.style == ("warning" if cx.ph_violations(0.05) else "muted")


def test_failing_ph_test_is_a_warning():
    from kneestudy.report.cohort_results import _ph_test

    cx = SimpleNamespace(ph_test=pd.DataFrame({"p": [0.01]}, index=["GLOBAL"]),
                         ph_violations=lambda a: ["GLOBAL"],
                         ph_note=lambda a: "The proportional-hazards assumption fails")  # fmt: skip
    (para,) = _ph_test(cx)
    assert para.style == "warning" and "fails" in para.text
    assert _ph_test(None) == [] and _ph_test(SimpleNamespace(ph_test=None)) == []


# -- the single trial's summary and the methods -------------------------------------


def test_one_trial_summary_leads_with_primary_estimate_and_its_sensitivity(glute):
    report = ks.report.build(Study(study_id="one", title="one", cohorts=[glute]))
    (key,) = [b for b in report.section("summary").blocks if b.type == "bullets"][:1]
    text = " ".join(key.items)
    code = "glute_strengthening+quadriceps_strengthening"
    mm = ks.effects.mmrm(glute).at_week(12, code)
    assert f"95% CI {fmt.ci(mm.ci_low, mm.ci_high, 1)}; MMRM using every visit" in text
    assert "Sensitivity analyses for the" in text and "jump to reference" in text
    assert "Median weeks to pain-free" in text and "adverse event" in text
    methods = " ".join(b.text for b in report.section("methods").blocks if b.type == "paragraph")
    assert "m = 50 imputations" in methods and "seed 0" in methods
    assert "Grambsch and Therneau" in methods and "ICEMAN" in methods
    refs = next(b for b in report.section("methods").blocks if b.type == "bullets").items
    assert any(r.startswith("Wolbers M") for r in refs) and list(refs) == sorted(refs)


def test_crossover_trial_summary_gives_the_within_person_result(cross):
    report = ks.report.build(Study(study_id="x", title="x", cohorts=[cross]))
    items = next(b for b in report.section("summary").blocks if b.type == "bullets").items
    assert any(i.startswith("Within the same people, pain under") for i in items)
