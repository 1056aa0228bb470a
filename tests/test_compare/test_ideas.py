"""kneestudy.compare_ideas: components, the two models, the table, combinations, methods."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from _studies import contrast, study

from kneestudy import compare_ideas
from kneestudy._results import to_jsonable
from kneestudy.compare import IdeasComparison
from kneestudy.errors import AnalysisError
from kneestudy.interventions import IDEAS


def _cmp(rows, **kw) -> IdeasComparison:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare_ideas(study(rows), "pain", **kw)


ADD_ON = [
    contrast(
        "bal", "balance_training+quadriceps_strengthening", "quadriceps_strengthening", -0.1, 0.3
    ),
    contrast("quad", "quadriceps_strengthening", "usual_care", -1.5, 0.3),
    contrast("brace", "knee_brace+physical_therapy", "physical_therapy", -0.2, 0.4),
    contrast("pt", "physical_therapy", "wait_and_see", -1.0, 0.4),
]


def test_an_add_on_is_credited_only_with_its_add_on_effect():
    """Balance added to knee exercise: −0.1 over exercise, which is −1.5 over usual care.
    The add-on idea gets −0.1, not the −1.6 of 'balance + exercise' against control; the
    brace gets its −0.2 over physical therapy, not −1.2."""
    cmp = _cmp(ADD_ON, random=False)
    t = cmp.table.set_index("idea")
    assert t.loc["balance_training", "estimate"] == pytest.approx(-0.1)
    assert t.loc["balance_training", "se"] == pytest.approx(0.3)
    assert t.loc["knee_brace", "estimate"] == pytest.approx(-0.2)
    assert t.loc["physical_therapy", "estimate"] == pytest.approx(-1.0)
    assert t.loc["balance_training", "studies"] == 1  # only the add-on trial informs it
    combos = cmp.combinations.set_index("combination")
    assert combos.loc["balance_training+quadriceps_strengthening", "estimate"] == pytest.approx(
        -1.6
    )
    # the same in the standard model, where the add-on is the contrast of two nodes
    std = _cmp(ADD_ON, random=False, model="standard").table.set_index("idea")
    assert std.loc["balance_training", "estimate"] == pytest.approx(-0.1)
    assert std.loc["balance_training", "basis"] == (
        "balance_training+quadriceps_strengthening vs quadriceps_strengthening"
    )
    assert std.loc["physical_therapy", "basis"] == "physical_therapy vs inactive"


def test_the_table_has_all_eight_ideas_with_a_status():
    cmp = _cmp(ADD_ON)
    t = cmp.table
    assert list(t["idea"]) == list(IDEAS)
    by = t.set_index("idea")
    assert set(by.loc[["balance_training", "knee_brace", "physical_therapy"], "status"]) == {
        "estimated"
    }
    none = by.loc["glucosamine"]
    assert none["status"] == "no evidence" and np.isnan(none["estimate"])
    assert "no usable row" in none["reasons"] and none["studies"] == 0
    ranked = t.dropna(subset=["p_score"]).sort_values("rank")
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert ranked["p_score"].is_monotonic_decreasing
    assert len(cmp.to_frame()) == 8 and "eight ideas" in cmp._repr_html_()
    assert cmp.window_label == "up to 3 months" and cmp.reference == "inactive"
    json.dumps(to_jsonable(cmp.to_dict()), allow_nan=False)  # the CLI's JSON


def test_components_that_are_never_apart_are_not_estimable():
    """Stretching and balance only ever given together (vs usual care): neither is
    estimable on its own; their combination is, and is listed."""
    rows = [contrast("sb", "stretching+balance_training", "usual_care", -1.0, 0.3),
            contrast("sb2", "stretching+balance_training", "usual_care", -0.8, 0.3)]  # fmt: skip
    cmp = _cmp(rows)
    t = cmp.table.set_index("idea")
    assert t.loc["stretching", "status"] == t.loc["balance_training", "status"] == "not estimable"
    assert any("always appear together" in n for n in cmp.notes)
    c = cmp.combinations
    assert (c["combination"] == "stretching+balance_training").sum() == 2  # once per idea
    assert c["estimable"].all()


def test_attention_controls_inactive_by_default_and_on_request():
    """Sham + exercise against exercise: by default both arms have the same active
    components, so the row informs heterogeneity only; with sham active it estimates sham."""
    rows = [contrast("s", "sham+quadriceps_strengthening", "quadriceps_strengthening", 0.2, 0.3),
            contrast("q", "quadriceps_strengthening", "usual_care", -1.0, 0.3),
            contrast("q2", "quadriceps_strengthening", "usual_care", -1.2, 0.3)]  # fmt: skip
    cmp = _cmp(rows)
    row = cmp.contrasts[cmp.contrasts["study_id"] == "s"].iloc[0]
    assert row["status"] == "used" and "informs heterogeneity" in row["note"]
    assert row["node_treatment"] == row["node_comparator"] == "quadriceps_strengthening"
    active = _cmp(rows, inactive=("usual_care", "wait_and_see"))
    assert "sham" in active.network.component_names


def test_declared_codes_count_as_their_idea():
    rows = [contrast("b", "my_brace+physical_therapy", "physical_therapy", -0.4, 0.3),
            contrast("p", "physical_therapy", "usual_care", -1.0, 0.3)]  # fmt: skip
    s = study(rows)
    # as study.toml's [codes] my_brace = { label = ..., idea = "knee_brace" }
    s.metadata = {"codes": {"my_brace": {"label": "My brace", "idea": "knee_brace"}}}
    assert s.code_ideas == {"my_brace": "knee_brace"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cmp = compare_ideas(s, "pain")
    t = cmp.table.set_index("idea")
    assert t.loc["knee_brace", "estimate"] == pytest.approx(-0.4)
    c = cmp.certainty.set_index(["idea", "domain"])
    assert "my_brace stands for knee brace" in c.loc[("knee_brace", "indirectness"), "reason"]


def test_methods_say_what_was_fitted():
    dl = _cmp(ADD_ON)
    text = " ".join(dl.methods)
    assert "Additive component network meta-analysis" in text
    assert "generalised DerSimonian–Laird" in text and "up to 3 months" in text
    assert "normal distribution (z)" in text
    reml = " ".join(_cmp(ADD_ON, method_tau="REML", model="standard").methods)
    assert "REML" in reml and "Standard network meta-analysis" in reml
    # four trials identify four components: no degrees of freedom left for τ²
    assert "no prediction intervals (0 degrees of freedom" in text
    again = [dict(r, study_id=r["study_id"] + "-2") for r in ADD_ON[:3]]
    more = " ".join(_cmp([*ADD_ON, *again]).methods)
    assert "prediction intervals from a t distribution on 3 degrees of freedom" in more


def test_argument_errors():
    with pytest.raises(AnalysisError, match="model"):
        _cmp(ADD_ON, model="full")
    with pytest.raises(AnalysisError, match="method_tau"):
        _cmp(ADD_ON, method_tau="SJ")
    with pytest.raises(AnalysisError, match="unknown outcome"):
        compare_ideas(study(ADD_ON), "sleep")


def test_nothing_usable_gives_every_idea_a_reason():
    cmp = _cmp([contrast("x", "orthotics", "flat_insert", -0.5, 0.3, week=40.0)])
    assert (cmp.table["status"] == "no evidence").all()
    assert cmp.network is None and cmp.n_rows_used == 0
    assert "outside the window" in cmp.contrasts["reason"].iloc[0]
    assert "no row of evidence is usable" in cmp.notes[0]


def test_same_input_same_numbers():
    a = _cmp(ADD_ON).table
    b = _cmp(list(reversed(ADD_ON))).table
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-10, equal_nan=True)
