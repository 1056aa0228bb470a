"""Which analyses apply to a design; the evidence section's per-study tables."""

from __future__ import annotations

import dataclasses

import pandas as pd
from report_standins import literature_study, make_cohort

from kneestudy.ingest.model import Study
from kneestudy.report.applicability import not_applicable, skipped_keys
from kneestudy.report.comparison import comparison_applies, evidence_sources
from kneestudy.report.evidence import prisma_counts, risk_of_bias_frame, studies_frame


def _with(cohort, **manifest):
    cohort.manifest = dataclasses.replace(cohort.manifest, **manifest)
    return cohort


def test_parallel_trial_with_a_comparator_runs_everything():
    assert not_applicable(make_cohort()) == []


def test_single_arm_leaves_out_between_arm_analyses():
    c = _with(make_cohort(arms=(("Hip", "glute_strengthening"),)), design="single_arm",
              comparator=None)  # fmt: skip
    items = not_applicable(c)
    # the squat-test claim is about glute strengthening: one line says why it is not tested
    assert [i.part for i in items] == ["effects", "survival", "harms", "claims"]
    assert skipped_keys(items) == {"ancova_pain", "ancova_akps", "mmrm", "responders",
                                   "sensitivity", "logrank", "cox", "squat_test"}  # fmt: skip
    assert "regression to the mean" in items[0].why


def test_crossover_leaves_out_parallel_group_analyses():
    c = _with(make_cohort(), design="crossover")
    items = not_applicable(c)
    assert "time_to_pain_free" in skipped_keys(items)
    assert "sequences" in items[0].why


def test_no_comparator_in_the_data():
    c = _with(make_cohort(), comparator="placebo")
    items = not_applicable(c)
    assert "comparator = 'placebo'" in items[0].why
    assert "logrank" not in skipped_keys(items)  # arms can still be compared with each other


def test_comparison_applies_from_two_sources():
    one = Study(study_id="a", title="a", cohorts=[make_cohort()])
    ok, why = comparison_applies(one)
    assert not ok and "at least two studies" in why and "hip-test" in why
    two = Study(study_id="b", title="b", cohorts=[make_cohort(), make_cohort(cohort_id="x")])
    assert comparison_applies(two) == (True, "")
    empty = Study(study_id="c", title="c", cohorts=[])
    assert "no between-arm evidence" in comparison_applies(empty)[1]
    lit = literature_study()
    ids = set(lit.contrasts["study_id"]) | set(lit.arm_summaries["study_id"])
    assert len(evidence_sources(lit)) == len(ids)


def test_risk_of_bias_per_study_takes_the_worst_row():
    lit = literature_study()
    c = lit.contrasts.copy()
    first = c["study_id"].iloc[0]
    c.loc[c.index[0], "deviations"] = "high"  # one row of that study is worse
    extra = c.iloc[[0]].assign(deviations="low")
    lit.contrasts = pd.concat([c, extra], ignore_index=True)
    rob = risk_of_bias_frame(lit).set_index("study_id")
    assert rob.loc[first, "deviations"] == "high"
    assert rob["origin"].eq("published").all()
    mixed = Study(study_id="m", title="m", cohorts=[make_cohort()], contrasts=lit.contrasts)
    rob = risk_of_bias_frame(mixed)
    row = rob[rob["origin"] == "synthetic trial"].iloc[0]
    assert row["overall"] == "some_concerns" and row["randomisation"] is None


def test_studies_frame_and_prisma_from_metadata():
    lit = literature_study()
    frame = studies_frame(lit)
    assert len(frame) == len(set(lit.contrasts["study_id"]) | set(lit.arm_summaries["study_id"]))
    row = frame[frame["study"] == _orthoses_v_flat(lit)].iloc[0]
    assert row["compared"] == "Insoles / orthotics vs Flat inserts"
    assert prisma_counts(lit).resolved()["assessed"] == 53
    assert prisma_counts(Study(study_id="n", title="n")) is None


def _orthoses_v_flat(lit) -> str:
    """The stand-in's study of orthoses v flat inserts (its id follows the demo's rows)."""
    c = lit.contrasts
    rows = c[(c["treatment"] == "orthotics") & (c["comparator"] == "flat_insert")]
    return str(rows["study_id"].iloc[0])


def test_published_figures_shown_as_printed_with_their_reference():
    from kneestudy.report.evidence import evidence_blocks

    lit = literature_study()
    c = lit.contrasts.copy()
    c["published_measure"] = None
    c["published_estimate"] = float("nan")
    c["doi"] = None
    study = _orthoses_v_flat(lit)
    row = c.index[c["study_id"] == study][0]
    c.loc[row, ["published_measure", "published_estimate", "published_ci_low",
                "published_ci_high", "doi"]] = ["RR", 1.48, 1.11, 1.99, "10.1136/bmj.a1735"]  # fmt: skip
    lit.contrasts = c
    table = next(b for b in evidence_blocks(lit) if getattr(b, "key", "") == "evidence-contrasts")
    heads = [h.label for h in table.header()]
    assert heads[-1] == "DOI / PMID"
    collins = next(r for r in table.rows() if r.cells[0] == study)
    assert (
        collins.cells[5] == "1.48 (1.11 to 1.99)" and collins.cells[-1] == "doi:10.1136/bmj.a1735"
    )
