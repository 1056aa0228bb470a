"""The HTML report: sections, escaping, reproducibility, failing analyses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_standins import install_fakes, make_cohort, make_study

import kneestudy.report as rep
from kneestudy.ingest.model import Study

EVIL = "<script>alert(1)</script> \"quoted\" & 'single'"


@pytest.fixture
def fakes(monkeypatch):
    install_fakes(monkeypatch)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One two-cohort report shared by the read-only checks (rendering takes seconds)."""
    seen = []
    with pytest.MonkeyPatch.context() as mp:
        install_fakes(mp)
        out = rep.write_html(
            make_study(),
            tmp_path_factory.mktemp("r") / "r.html",
            command="kneestudy report x",
            seed=7,
            progress=lambda s, d, t: seen.append((d, t)),
        )
    return out.read_text(encoding="utf-8"), seen


def one_cohort_study(**kwargs) -> Study:
    return Study(
        study_id="one", title="One cohort", cohorts=[make_cohort(cohort_id="hip-a", **kwargs)]
    )


def test_report_has_every_section(rendered):
    text = rendered[0]
    for sid in (*rep.SECTION_IDS, "comparison", "evidence", "cohort-1", "cohort-2"):
        assert f'id="{sid}"' in text
    for sub in ("flow", "baseline", "trajectories", "effects", "survival", "adverse-events"):
        assert f'id="cohort-1-{sub}"' in text
    assert text.count("<svg") >= 8
    assert "Synthetic data" in text
    assert "kneestudy report x" in text and "<dt>Seed</dt><dd>7" in text


def test_css_is_inlined_verbatim(rendered):
    # <style> is raw text: entities would not be decoded, so quotes must stay quotes
    style = rendered[0].split("<style>", 1)[1].split("</style>", 1)[0]
    css = (Path(rep.__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
    assert style.strip() == css.strip()
    assert "@media print" in style


def test_no_network_and_no_javascript(rendered):
    text = rendered[0]
    assert "<script" not in text
    assert not re.search(r"""(src|href)=["']https?://""", text)
    assert "@import" not in text and "url(http" not in text


def test_user_text_is_escaped(fakes, tmp_path):
    evil = make_cohort(
        cohort_id=f"id{EVIL}",
        title=f"Title {EVIL}",
        arms=((f"Arm {EVIL}", "glute_strengthening"), (f"Control {EVIL}", "usual_care")),
    )
    study = Study(study_id=f"s{EVIL}", title=f"Study {EVIL}", cohorts=[evil])
    text = rep.write_html(study, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script>" not in text and "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&amp; " in text
    assert "Title &lt;script&gt;" in text


def test_two_runs_identical_except_date(fakes, tmp_path):
    a = rep.write_html(one_cohort_study(), tmp_path / "a.html").read_text(encoding="utf-8")
    b = rep.write_html(one_cohort_study(), tmp_path / "b.html").read_text(encoding="utf-8")
    la, lb = a.splitlines(), b.splitlines()
    assert len(la) == len(lb)
    diff = [i for i, (x, y) in enumerate(zip(la, lb, strict=True)) if x != y]
    assert all('class="date"' in la[i] for i in diff)
    strip = [ln for ln in la if 'class="date"' not in ln]
    assert strip == [ln for ln in lb if 'class="date"' not in ln]
    assert sum('class="date"' in ln for ln in la) == 1


def test_failing_analysis_shows_message_not_crash(monkeypatch, tmp_path):
    install_fakes(monkeypatch, fail_ancova_for="hip-a")
    text = rep.write_html(one_cohort_study(), tmp_path / "r.html").read_text(encoding="utf-8")
    assert "ANCOVA of pain of Hip + knee vs Usual care could not be computed" in text
    assert "only one arm has data at week 12" in text
    # the RMST stand-in raises AnalysisError in every cohort
    assert text.count("Restricted mean time could not be computed") == 1
    assert 'id="cohort-1-adverse-events"' in text  # later parts of the section still there


def test_real_bugs_propagate(monkeypatch, tmp_path):
    install_fakes(monkeypatch)
    import kneestudy

    def broken(*a, **k):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(kneestudy.effects, "mmrm", broken)
    with pytest.raises(ZeroDivisionError):
        rep.write_html(one_cohort_study(), tmp_path / "r.html")


def test_progress_callback(rendered):
    seen = rendered[1]
    assert seen[-1][0] == seen[-1][1] and len(seen) >= 5
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_real_analyses_single_arm_cohort_says_what_does_not_apply(tmp_path):
    """With kneestudy's own analyses: a single-arm cohort leaves out the between-arm
    analyses with one line each, instead of showing them as failures."""
    import dataclasses

    single = make_cohort(cohort_id="single", arms=(("Hip", "glute_strengthening"),))
    single.manifest = dataclasses.replace(single.manifest, design="single_arm", comparator=None)
    study = Study(study_id="s", title="s", cohorts=[single])
    text = rep.write_html(study, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "could not be computed" not in text
    # effects, survival, harms, and the squat-test claim of its glute-strengthening arm
    assert text.count("Not applicable to this design:") == 4
    assert "single-arm cohort has no comparison group" in text
    assert "Change from baseline to week 12 within each arm" in text
    assert "Enrolled" in text and "Randomised" not in text  # single-arm flow diagram
    assert 'id="cohort-1-adverse-events"' in text


def test_real_cox_with_no_events_in_an_arm_is_flagged(tmp_path):
    # in this small cohort nobody on usual care reaches pain <= 1: the Cox estimate diverges
    study = Study(study_id="s", title="s", cohorts=[make_cohort(cohort_id="two")])
    text = rep.write_html(study, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "hazard ratio is not estimable" in text
    # one trial: no one-study network, one line saying why, and the trial's key results first
    assert 'id="comparison"' not in text
    assert "Not applicable to a single study:" in text
    summary = text.split('id="summary"', 1)[1].split("</section>", 1)[0]
    assert "Key results" in summary and "MMRM using every visit, the primary analysis" in summary
    assert "Sensitivity analyses for the" in summary  # beside the primary estimate


def test_extra_sections_slot_in_after_the_cohorts(fakes):
    import pandas as pd

    from kneestudy.report.content import Column, Paragraph, Section, Table

    plan = Table("plan-power", "Power by sample size", pd.DataFrame({"n": [50.0]}),
                 (Column("n", "n per arm", style="count"),))  # fmt: skip
    report = rep.build(
        one_cohort_study(),
        extra_sections=[
            Section("planning", "Planning the next trial", (Paragraph("Power."), plan)),
            lambda study, settings: None,  # nothing to add
        ],
    )
    ids = report.section_ids
    assert ids.index("planning") == ids.index("cohort-1") + 1
    assert ids.index("planning") < ids.index("validation")
    assert "plan-power" in rep.render_html(report)
