"""The report's comparison section: every outcome and window, every table, as readers need them."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

from kneestudy.interventions import IDEAS
from kneestudy.report.comparison import PLAN, comparison_blocks, run_comparisons
from kneestudy.report.comparison_tables import reason_kind, short_verdict


@pytest.fixture(scope="module")
def demo_runs():
    import kneestudy as ks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_comparisons(ks.datasets.demo_study())


@pytest.fixture(scope="module")
def demo_blocks(demo_runs):
    return comparison_blocks(demo_runs)


def _tables(blocks):
    return {b.key: b for b in blocks if b.type == "table"}


def _figures(blocks):
    return {b.name: b for b in blocks if b.type == "figure"}


def test_every_outcome_and_window_is_fitted_the_asked_one_first(demo_runs):
    assert [(r.outcome, r.window) for r in demo_runs] == list(PLAN)
    # the warnings of each fit (and of its sensitivity re-fits) are kept, never printed
    assert all(isinstance(r.warnings, tuple) for r in demo_runs)
    assert all(r.sensitivity is not None and r.sof is not None for r in demo_runs if r.usable)


def test_the_asked_outcome_comes_first():
    import kneestudy as ks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = run_comparisons(ks.datasets.demo_study(), plan=PLAN[:3], outcome="akps", week=8)
    assert [(r.outcome, r.window) for r in runs] == [("akps", "short"), ("pain", "short"),
                                                     ("recovered", "short")]  # fmt: skip
    assert runs[0].result.window.target == 8.0 and runs[1].result.window.target == 12.0


def test_each_outcome_has_its_tables_and_figures(demo_runs, demo_blocks):
    tables, figures = _tables(demo_blocks), _figures(demo_blocks)
    headings = {b.id for b in demo_blocks if b.type == "heading"}
    for i, r in enumerate(demo_runs):
        if not r.informative:
            continue
        k = f"comparison-{r.key}"
        assert k in headings
        for part in ("ideas", "certainty", "certainty-reasons", "tests", "sensitivity", "rows",
                     "row-list"):  # fmt: skip
            assert f"{k}-{part}" in tables, (k, part)
        # the first outcome's summary of findings opens the report's summary instead
        assert (f"{k}-sof" in tables) == (i > 0)
        assert f"{k}-components" in figures and f"{k}-network" in figures
    # the long lists are folded in HTML
    assert tables["comparison-pain-short-row-list"].collapse
    assert tables["comparison-pain-short-certainty-reasons"].collapse
    # the pairwise forest of the most compared pair, for the first outcome only
    assert sum(n.startswith("pairwise-") for n in figures) >= 1


def test_the_ideas_table_says_not_estimable_and_no_evidence_plainly(demo_runs, demo_blocks):
    tables = _tables(demo_blocks)
    for r in demo_runs:
        if not r.informative:
            continue
        t = tables[f"comparison-{r.key}-ideas"]
        assert list(t.data["idea"]) == list(IDEAS)
        est_col = 2  # idea, studies (participants), estimate (95% CI)
        for row, status in zip(t.rows(), t.data["status"], strict=True):
            if status != "estimated":
                assert row.cells[est_col] == status
        # the verdict column repeats no numbers: they are in the estimate column
        for text in t.data["verdict_short"]:
            assert "95% CI" not in text and "MCID" not in text


def test_summary_of_findings_footnotes_match_the_reasons(demo_runs, demo_blocks):
    t = _tables(demo_blocks)["comparison-recovered-short-sof"]
    heads = [c.label for c in t.columns]
    assert heads[2].startswith("Relative effect: odds ratio")  # binary outcome
    assert t.columns[3].unit == "per 1,000"
    cmp = demo_runs[[r.key for r in demo_runs].index("recovered-short")].result
    down = cmp.certainty[cmp.certainty["downgrade"] > 0]
    letters = {m for text in t.data["certainty_text"] for m in re.findall(r"\b([a-z])\b", text)}
    notes = [n for n in t.notes if re.match(r"^[a-z]\. ", n)]
    assert len(notes) == len(set(down["reason"])) == len(letters)
    for n in notes:
        assert any(r in n for r in down["reason"])


def test_summary_of_findings_gives_participants_then_studies(demo_runs, demo_blocks):
    """GRADE's column "participants (studies)": the participants first, the studies named."""
    from kneestudy.report.comparison import summary_of_findings

    run = demo_runs[[r.key for r in demo_runs].index("pain-short")]
    t = summary_of_findings(run)
    assert t.columns[1].label == "Participants (studies)"
    cmp = run.result.table
    row = cmp[cmp["idea"] == "glute_strengthening"].iloc[0]
    k, n = int(row["studies"]), int(row["participants"])
    text = t.data.loc[t.data["idea"] == "glute_strengthening", "evidence"].iloc[0]
    assert text == f"{n} ({k} {'study' if k == 1 else 'studies'})"


def test_rows_used_and_set_aside_add_up(demo_runs, demo_blocks):
    tables = _tables(demo_blocks)
    for r in demo_runs:
        if not r.informative:
            continue
        summary = tables[f"comparison-{r.key}-rows"].data
        assert summary["rows"].sum() == len(r.result.contrasts)
        used = summary.loc[summary["status"] == "used", "rows"].sum()
        assert used == r.result.n_rows_used


def test_what_was_fitted_is_the_results_own_text(demo_runs, demo_blocks):
    fitted = [b for b in demo_blocks if b.type == "bullets" and b.title == "What was fitted"]
    informative = [r for r in demo_runs if r.informative]
    assert [b.items for b in fitted] == [tuple(r.result.methods) for r in informative]
    assert any("DerSimonian" in " ".join(b.items) for b in fitted)


def test_overview_links_each_outcome_and_names_the_empty_ones(demo_runs, demo_blocks):
    t = _tables(demo_blocks)["comparison-overview"]
    assert len(t.data) == len(demo_runs)
    headings = {b.id for b in demo_blocks if b.type == "heading"}
    for row in t.rows():
        target = row.link(0)
        assert target is None or target[1:] in headings


def test_an_outcome_without_evidence_gets_one_line():
    import kneestudy as ks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = run_comparisons(ks.datasets.evidence(), plan=[("pain", "short"), ("pain", "long")])
    assert not runs[1].usable
    blocks = comparison_blocks(runs)
    assert not [b for b in blocks if b.type == "table" and "pain-long" in b.key]
    lines = [b.text for b in blocks if b.type == "paragraph" and "pain, 12 months" in b.text]
    assert lines == ["No usable row of evidence, so no comparison: pain, 12 months or longer."]


def test_sensitivity_table_moves_with_each_analysis(demo_runs, demo_blocks):
    t = _tables(demo_blocks)["comparison-pain-short-sensitivity"]
    sens = demo_runs[0].sensitivity
    analyses = list(dict.fromkeys(sens["analysis"]))
    assert [c.label for c in t.columns][2:] == [a.capitalize() for a in analyses]
    # the standard model column holds the standard model's numbers
    i = analyses.index("standard model")
    std = sens[sens["analysis"] == "standard model"].set_index("idea")["estimate"]
    got = t.data.set_index("idea")[f"a{i}_estimate"].dropna()
    pd.testing.assert_series_equal(got, std.loc[got.index], check_names=False)


def test_reason_kinds_cover_the_reasons_of_the_rows(demo_runs):
    kinds = {reason_kind(x) for r in demo_runs if r.usable for x in r.result.contrasts["reason"]}
    assert "in the window, nearest its target week" in kinds
    assert "outside the window" in kinds


def test_short_verdicts_keep_santesso_words_without_numbers(demo_runs):
    cmp = demo_runs[0].result
    for _, row in cmp.table.iterrows():
        text = short_verdict(cmp, row)
        if row["status"] == "estimated":
            assert text.startswith((row["label"], "The evidence is very uncertain"))
            assert "(mean difference" not in text and cmp.reference_label not in text
