"""The evidence base's builder: trial files -> literature tables, the quote test, derivations."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from scipy import stats

from kneestudy.datasets import evidence_base as ev
from kneestudy.datasets._evidence_rules import arm_sd, contrast_se, in_quote, numbers_in
from kneestudy.ingest import validate

FIXTURE = Path(__file__).parent / "evidence_fixture"


def test_numbers_in_reads_printed_forms():
    # middle dot (Lancet), leading point, decimal comma, thousands separator, signs ignored
    assert numbers_in("23·1 (17·8 to 28·4)") == [23.1, 17.8, 28.4]
    assert numbers_in("P = .30") == [0.30]
    assert 1583.0 in numbers_in("1,583 patients")
    assert numbers_in("−1.5 (−2.3 to −0.8)") == [1.5, 2.3, 0.8]
    assert in_quote(-0.8, "MD −1.5 (−2.3 to −0.8)")
    assert in_quote(49, "Forty-nine patients were randomised to each group")
    assert in_quote(7, "seven withdrew") and not in_quote(17, "seven withdrew")
    assert not in_quote(0.9, "MD −1.5 (−2.3 to −0.8)")


def test_sd_from_ci_uses_t_below_60():
    # Cochrane Handbook 6.5.2.2: sd = sqrt(n) (upper - lower) / (2 t_{n-1}) when n < 60
    sd, how = arm_sd({"n": 38, "mean": 23.1, "ci_low": 17.8, "ci_high": 28.4})
    assert sd == pytest.approx(math.sqrt(38) * 10.6 / (2 * stats.t.ppf(0.975, 37)), rel=1e-12)
    assert "6.5.2.2" in how and "37 df" in how
    sd, how = arm_sd({"n": 100, "mean": 1, "ci_low": 0.0, "ci_high": 3.92})
    assert sd == pytest.approx(10 * 3.92 / (2 * stats.norm.ppf(0.975)), rel=1e-12)
    assert arm_sd({"n": 25, "mean": 1, "se": 2.0}) == (
        10.0,
        arm_sd({"n": 25, "se": 2.0, "mean": 0})[1],
    )


def test_contrast_se_methods():
    y, se, how = contrast_se({"measure": "RR", "estimate": 1.48, "ci_low": 1.11, "ci_high": 1.99})
    assert y == pytest.approx(math.log(1.48))
    assert se == pytest.approx((math.log(1.99) - math.log(1.11)) / (2 * stats.norm.ppf(0.975)))
    y, se, how = contrast_se({"measure": "MD", "estimate": -7.4, "p": 0.03})
    assert se == pytest.approx(7.4 / stats.norm.isf(0.015)) and "approximate" in how
    y, se, how = contrast_se({"measure": "MD", "estimate": -1, "ci_low": -2.0, "ci_high": 0.0,
                              "n_treatment": 20, "n_comparator": 20})  # fmt: skip
    assert se == pytest.approx(2.0 / (2 * stats.t.ppf(0.975, 38))) and "38 df" in how


def test_fixture_builds_valid_tables(tmp_path):
    trials = ev.read_trials(FIXTURE)
    assert ev.check_trials(trials) == []
    tables = ev.build_tables(trials)
    assert len(tables["arm_summaries"]) == 3 and len(tables["contrasts"]) == 2
    assert ev.quote_failures(tables) == []
    shutil.copytree(FIXTURE, tmp_path / "ev")
    ev.write_evidence(tmp_path / "ev", source=tmp_path / "ev")
    report = validate(tmp_path / "ev")
    assert report.ok, report
    study = ev.evidence(tmp_path / "ev")
    assert list(study.studies["study_id"]) == ["alpha2020"]
    assert study.contrasts["measure"].tolist() == ["logRR", "MD"]


def _problems(tmp_path, edit):
    shutil.copytree(FIXTURE, tmp_path / "ev")
    path = tmp_path / "ev" / "trials" / "alpha2020.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return [str(p) for p in ev.check_trials(ev.read_trials(tmp_path / "ev"))]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("sd = 18.0", "sd = 18.5", "sd = 18.5 is not printed in the quote"),
        ("estimate = 1.48", "estimate = 1.47", "estimate = 1.47 is not printed"),
        ('instrument = "vas_0_100"', 'instrument = "vas_mm"', "unknown instrument 'vas_mm'"),
        ('arm = "Flat inserts"\noutcome = "pain"', 'arm = "Flat"\noutcome = "pain"',
         "arm 'Flat' is not one of the [[arms]]"),
        ('measure = "RR"', 'measure = "RD"', "a risk difference: give the arms' events"),
        ('intervention = "orthotics"', 'intervention = "orthotic"', "unknown code(s) ['orthotic']"),
        ('overall = "some_concerns"', 'overall = "moderate"', "overall must be one of"),
        ('doi = "10.0000/test.1"\npmid = "123"', "", "needs a doi or a pmid"),
        ("n = 38", "n = 41", "n 41 exceeds the arm's n_randomised 40"),
    ],
)  # fmt: skip
def test_each_rule_names_file_row_and_field(tmp_path, old, new, expected):
    problems = _problems(tmp_path, lambda s: s.replace(old, new, 1))
    assert any(expected in p and p.startswith("trials/alpha2020.toml") for p in problems), problems


def test_two_rows_of_one_measure_are_refused(tmp_path):
    def dup(s):
        i = s.index('[[arm_summaries]]\narm = "Flat inserts"')
        j = s.index("[[arm_summaries]]", i + 5)
        return s + "\n" + s[i:j]

    problems = _problems(tmp_path, dup)
    assert any("name a further measure <outcome>_<what>" in p for p in problems), problems


def test_committed_evidence_is_the_build_of_its_trial_files(tmp_path):
    """The shipped literature tables are exactly what the trial files build (byte for byte)."""
    src = ev.evidence_path()
    out = ev.write_evidence(tmp_path / "built")
    for name in ("arm_summaries", "contrasts", "studies"):
        built = (out / "literature" / f"{name}.csv").read_bytes()
        assert built == (src / "literature" / f"{name}.csv").read_bytes(), name
    assert (out / "study.toml").read_bytes() == (src / "study.toml").read_bytes()


def test_every_trial_file_passes_the_checks():
    problems = ev.check_trials(ev.read_trials())
    assert problems == [], "\n".join(map(str, problems))
    assert ev.quote_failures(ev.build_tables(ev.read_trials())) == []


def test_cli_check_exit_codes(tmp_path, capsys):
    assert ev.main(["--check"]) == 0
    assert "every number is in its quote" in capsys.readouterr().out


def test_a_code_is_declared_once_for_the_whole_evidence_base(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "ev")
    trials = tmp_path / "ev" / "trials"
    text = (trials / "alpha2020.toml").read_text(encoding="utf-8")
    (trials / "alpha2020.toml").write_text(
        text + '\n[codes]\nmy_tape = { label = "Tape A", idea = "physical_therapy" }\n',
        encoding="utf-8",
    )
    other = text.replace('study_id = "alpha2020"', 'study_id = "beta2021"')
    (trials / "beta2021.toml").write_text(
        other + '\n[codes]\nmy_tape = { label = "Tape B", idea = "" }\n', encoding="utf-8"
    )
    problems = [str(p) for p in ev.check_trials(ev.read_trials(tmp_path / "ev"))]
    assert any("code 'my_tape' is declared differently in trials/alpha2020.toml" in p
               for p in problems), problems  # fmt: skip


def test_declared_codes_keep_their_idea_in_the_study():
    """A trial's declared code mapped to one of the eight ideas (two gait-retraining arms of
    de Souza Júnior 2024) reaches study.toml with its idea, so the comparison credits it."""
    study = ev.evidence()
    assert study.code_ideas["running_form_impact"] == "running_form"
    assert study.code_ideas["running_form_cadence"] == "running_form"
    assert "core_stability" not in study.code_ideas  # not one of the eight ideas
