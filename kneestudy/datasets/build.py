"""Rebuild the demo study folder deterministically.

Run ``python -m kneestudy.datasets.build [OUT]`` (default: the package's
``datasets/data/demo_study``). Everything in the demo study is synthetic:
trials drawn by :func:`kneestudy.simulate.cohort` (and the brace crossover by
:func:`kneestudy.simulate.crossover`) with fixed seeds (``source =
"synthetic"`` in each ``cohort.toml``), and literature tables that summarise
further simulated trials (:mod:`kneestudy.datasets.literature`, ``source =
"synthetic"``). Published figures are never mixed in: they live in the
evidence base (:func:`kneestudy.datasets.evidence`). The same code gives the
same files, byte for byte; a test checks the committed folder against a fresh
rebuild.

Under the network node mapping (an arm's first idea part, else
``quadriceps_strengthening`` if present, else ``control``) the trials connect
all eight ideas to ``control``:

=========================  ======================================================
cohort                     arms
=========================  ======================================================
demo-glute                 glute + quadriceps strengthening / quadriceps / usual care
demo-taping                tape + quadriceps / sham tape + quadriceps / quadriceps
demo-orthotics             orthoses / flat inserts / wait and see (to week 52)
demo-glucosamine           glucosamine / placebo
demo-stretching            stretching / usual care (small)
demo-balance               balance + quadriceps / quadriceps (small)
demo-running-form          gait retraining / wait and see (small, high risk of bias)
demo-knee-brace            brace + physical therapy / physical therapy (small)
demo-knee-brace-crossover  brace with medial v lateral pull, within person (crossover)
=========================  ======================================================

Sizes: the four first ideas' trials are large enough for their main
contrasts (ANCOVA of pain at week 12: an SE of about 0.3 points for 80 per
arm, 0.15 in the glute trial's 300 per arm); the other ideas come as smaller trials,
as in the literature. The glute trial is sized for the squat-test claim: with
the simulator's (assumed) squat-test modification — the glute effect four
times as large when the test fails — the interaction test at week 12
(``ks.effects.subgroup(cohort, by="squat_test", treatment=hip + knee)``,
ANCOVA, two-sided 5%) has the power :data:`SQUAT_POWER` says, by simulation
of 2,000 trials of this design (``tests/test_datasets/test_demo_power.py``
checks it).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from kneestudy.ingest.model import Study

__all__ = ["COHORTS", "STUDY_ID", "build_study", "main", "readme", "write_demo_study"]

STUDY_ID = "kneestudy-demo"
TITLE = "kneestudy demo: eight ideas for runner's knee (synthetic trials, synthetic literature)"

_QUAD = "quadriceps_strengthening"
_GLUTE = f"glute_strengthening+{_QUAD}"
_WEEKS_52 = (0, 2, 4, 6, 12, 26, 52)
_WEEKS_12 = (0, 2, 4, 6, 12)
#: cohort_id -> keyword arguments of :func:`kneestudy.simulate.cohort` (and a title).
COHORTS: dict[str, dict] = {
    "demo-glute": dict(
        idea="glute_strengthening",
        arms=[_GLUTE, _QUAD, "usual_care"],
        n=900,
        seed=20250101,
        weeks=_WEEKS_52,
        risk_of_bias="low",
        title="Hip and knee vs knee exercise vs usual care (synthetic)",
    ),
    "demo-taping": dict(
        idea="taping",
        arms=[f"taping+{_QUAD}", f"sham+{_QUAD}", _QUAD],
        comparator=f"sham+{_QUAD}",
        n=240,
        seed=20250102,
        weeks=_WEEKS_12,
        risk_of_bias="some_concerns",
        title="Tape + exercise vs placebo tape + exercise vs exercise (synthetic)",
    ),
    "demo-orthotics": dict(
        idea="orthotics",
        arms=["orthotics", "flat_insert", "wait_and_see"],
        comparator="flat_insert",
        n=240,
        seed=20250103,
        weeks=_WEEKS_52,
        risk_of_bias="low",
        title="Foot orthoses vs flat inserts vs wait and see (synthetic)",
    ),
    "demo-glucosamine": dict(
        idea="glucosamine",
        n=200,
        seed=20250104,
        weeks=(0, 4, 8, 12, 24),
        risk_of_bias="low",
        title="Glucosamine 1500 mg/day vs placebo (synthetic)",
    ),
    "demo-stretching": dict(
        idea="stretching",
        n=80,
        seed=20250105,
        weeks=_WEEKS_12,
        risk_of_bias="some_concerns",
        title="Stretching programme vs usual care (synthetic, small)",
    ),
    "demo-balance": dict(
        idea="balance_training",
        arms=[f"balance_training+{_QUAD}", _QUAD],
        n=80,
        seed=20250106,
        weeks=_WEEKS_12,
        risk_of_bias="some_concerns",
        title="Balance training added to knee exercise vs knee exercise (synthetic, small)",
    ),
    "demo-running-form": dict(
        idea="running_form",
        n=60,
        seed=20250107,
        weeks=_WEEKS_12,
        risk_of_bias="high",
        title="Gait retraining vs wait and see (synthetic, small)",
    ),
    "demo-knee-brace": dict(
        idea="knee_brace",
        arms=["knee_brace+physical_therapy", "physical_therapy"],
        n=100,
        seed=20250108,
        weeks=(0, 2, 6, 12, 52),
        risk_of_bias="some_concerns",
        title="Knee brace + physical therapy vs physical therapy (synthetic, small)",
    ),
}
#: cohort_id -> keyword arguments of :func:`kneestudy.simulate.crossover`.
CROSSOVERS: dict[str, dict] = {
    "demo-knee-brace-crossover": dict(n=40, seed=20250109, period_weeks=1.0),
}

#: Power of the demo glute trial's squat-test interaction test (week 12, ANCOVA,
#: two-sided 5%), by simulation of 2,000 trials of its design with the
#: simulator's parameters: treatment hip + knee exercise v knee exercise, and v
#: usual care. Monte-Carlo SE about 0.009.
SQUAT_POWER: dict[str, float] = {_QUAD: 0.8405, "usual_care": 0.8195}


def build_study() -> Study:
    """The demo study in memory (simulated cohorts with their truth, literature tables)."""
    from kneestudy.datasets.literature import arm_summaries, contrasts
    from kneestudy.simulate import cohort, crossover

    cohorts = [cohort(cohort_id=cohort_id, **dict(spec)) for cohort_id, spec in COHORTS.items()]
    cohorts += [
        crossover(cohort_id=cohort_id, **dict(spec)) for cohort_id, spec in CROSSOVERS.items()
    ]
    return Study(
        study_id=STUDY_ID,
        title=TITLE,
        cohorts=cohorts,
        arm_summaries=arm_summaries(),
        contrasts=contrasts(),
        metadata={
            "description": (
                "Synthetic throughout: trials drawn by kneestudy.simulate (source = synthetic, "
                "seeds in each cohort.toml), and literature tables that summarise further "
                "simulated trials (source = synthetic, seeds in note). Not evidence about "
                "runner's knee: the published trials are in kneestudy.datasets.evidence(). "
                "Rebuilt by python -m kneestudy.datasets.build."
            ),
            "source": "synthetic",
        },
    )


def default_path() -> Path:
    """The package folder of the demo study."""
    return Path(__file__).resolve().parent / "data" / "demo_study"


def write_demo_study(out: str | Path | None = None) -> Path:
    """Write the demo study to ``out`` (default: the package folder), replacing its files."""
    folder = Path(out) if out is not None else default_path()
    for sub in ("cohorts", "literature"):
        if (folder / sub).is_dir():
            shutil.rmtree(folder / sub)
    for name in ("study.toml", "README.md"):
        if (folder / name).exists():
            (folder / name).unlink()
    study = build_study()
    study.write(folder)
    (folder / "README.md").write_text(readme(study), encoding="utf-8")
    return folder


def readme(study: Study) -> str:
    """The folder's README: everything is synthetic, and how it was made."""
    lines = [
        f"# {study.title}",
        "",
        "This folder is generated by `python -m kneestudy.datasets.build`; do not edit it by hand.",
        "Everything here is synthetic: these are not real patients and not published figures. "
        "The published trials are in the evidence base, `kneestudy.datasets.evidence()`.",
        "",
        "## Synthetic trials (`cohorts/`)",
        "",
        "Simulated by `kneestudy.simulate.cohort` and, for the brace crossover, "
        "`kneestudy.simulate.crossover` (every parameter, with its source or marked as an "
        "assumption: `kneestudy.simulate.parameter_table()`). Each `cohort.toml` says "
        '`source = "synthetic"` and records its seed.',
        "",
        "| cohort | design | arms | n | seed | visit weeks | risk of bias |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in study.cohorts:
        if c.manifest.design == "crossover":
            arms = " / ".join(f"`{k}`" for k in c.manifest.codes)
        else:
            arms = " / ".join(f"`{a}`" for a in (c.truth or {}).get("arms", []))
        weeks = ", ".join(f"{w:g}" for w in c.manifest.visit_weeks)
        lines.append(
            f"| {c.cohort_id} | {c.manifest.design} | {arms} | {len(c.participants)} "
            f"| {c.manifest.seed} | {weeks} | {c.manifest.risk_of_bias} |"
        )
    from kneestudy.simulate.parameters import value

    q = SQUAT_POWER
    ratio = value("effect.glute_strengthening.squat_fail_ratio")
    lines += [
        "",
        "The glute trial is sized for the squat-test claim (an assumption of the simulator: "
        f"the glute effect {ratio:g} times as large when the test fails): the interaction test at "
        f"week 12 has power {q[_QUAD]:.2f} for hip + knee v knee exercise and "
        f"{q['usual_care']:.2f} v usual care (2,000 simulated trials of this design).",
        "",
        "## Synthetic literature (`literature/`)",
        "",
        "`contrasts.csv` and `arm_summaries.csv` stand in for published figures: each row "
        "summarises a further simulated trial (`source = synthetic`; the call and seed in "
        "`note`), computed from its observed data as a trial report would "
        "(`kneestudy.datasets.literature`). The row with population `knee osteoarthritis` is "
        "a label only, to exercise the indirectness rule.",
        "",
        "| study | treatment | comparator | outcome | week | measure | n |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in study.contrasts.itertuples():
        lines.append(
            f"| {r.study_id} | `{r.treatment}` | `{r.comparator}` | {r.outcome} | {r.week:g} "
            f"| {r.measure} | {r.n_treatment} + {r.n_comparator} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kneestudy.datasets.build", description="Rebuild the demo study folder."
    )
    parser.add_argument("out", nargs="?", help="output folder (default: the package folder)")
    args = parser.parse_args(argv)
    path = write_demo_study(args.out)
    print(f"demo study written to {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
