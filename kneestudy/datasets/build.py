"""Rebuild the demo study folder deterministically.

Run ``python -m kneestudy.datasets.build [OUT]`` (default: the package's
``datasets/data/demo_study``). The study holds synthetic trials drawn by
:func:`kneestudy.simulate.cohort` with fixed seeds (``source = "synthetic"``
in each ``cohort.toml``) and the published figures of
:mod:`kneestudy.datasets.literature` (each row citing its source). The same
code gives the same files, byte for byte; a test checks the committed folder
against a fresh rebuild.

Under the network node mapping (an arm's first idea part, else
``quadriceps_strengthening`` if present, else ``control``) the trials connect
all eight ideas to ``control``:

====================  =========================================================
cohort                arms
====================  =========================================================
demo-glute            glute + quadriceps strengthening / quadriceps / usual care
demo-taping           tape + quadriceps / sham tape + quadriceps / quadriceps
demo-orthotics        orthoses / flat inserts / wait and see (to week 52)
demo-glucosamine      glucosamine / placebo
demo-stretching       stretching / usual care (small)
demo-balance          balance + quadriceps / quadriceps (small)
demo-running-form     gait retraining / wait and see (small, high risk of bias)
demo-knee-brace       brace + physical therapy / physical therapy (small)
====================  =========================================================
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
TITLE = "kneestudy demo: eight ideas for runner's knee (synthetic trials and published figures)"

_QUAD = "quadriceps_strengthening"
#: cohort_id -> keyword arguments of :func:`kneestudy.simulate.cohort` (and a title).
COHORTS: dict[str, dict] = {
    "demo-glute": dict(
        idea="glute_strengthening",
        arms=[f"glute_strengthening+{_QUAD}", _QUAD, "usual_care"],
        n=180,
        seed=20250101,
        weeks=(0, 2, 4, 6, 12, 26, 52),
        risk_of_bias="low",
        title="Hip and knee vs knee exercise vs usual care (synthetic)",
    ),
    "demo-taping": dict(
        idea="taping",
        arms=[f"taping+{_QUAD}", f"sham+{_QUAD}", _QUAD],
        comparator=f"sham+{_QUAD}",
        n=150,
        seed=20250102,
        weeks=(0, 2, 4, 6, 12),
        risk_of_bias="some_concerns",
        title="Tape + exercise vs placebo tape + exercise vs exercise (synthetic)",
    ),
    "demo-orthotics": dict(
        idea="orthotics",
        arms=["orthotics", "flat_insert", "wait_and_see"],
        comparator="flat_insert",
        n=180,
        seed=20250103,
        weeks=(0, 2, 4, 6, 12, 26, 52),
        risk_of_bias="low",
        title="Foot orthoses vs flat inserts vs wait and see (synthetic)",
    ),
    "demo-glucosamine": dict(
        idea="glucosamine",
        n=120,
        seed=20250104,
        weeks=(0, 4, 8, 12, 24),
        risk_of_bias="low",
        title="Glucosamine 1500 mg/day vs placebo (synthetic)",
    ),
    "demo-stretching": dict(
        idea="stretching",
        n=60,
        seed=20250105,
        weeks=(0, 2, 4, 6, 12),
        risk_of_bias="some_concerns",
        title="Stretching programme vs usual care (synthetic, small)",
    ),
    "demo-balance": dict(
        idea="balance_training",
        arms=[f"balance_training+{_QUAD}", _QUAD],
        n=60,
        seed=20250106,
        weeks=(0, 2, 4, 6, 12),
        risk_of_bias="some_concerns",
        title="Balance training added to knee exercise vs knee exercise (synthetic, small)",
    ),
    "demo-running-form": dict(
        idea="running_form",
        n=40,
        seed=20250107,
        weeks=(0, 2, 4, 6, 12),
        risk_of_bias="high",
        title="Gait retraining vs wait and see (synthetic, small)",
    ),
    "demo-knee-brace": dict(
        idea="knee_brace",
        arms=["knee_brace+physical_therapy", "physical_therapy"],
        n=80,
        seed=20250108,
        weeks=(0, 2, 6, 12, 52),
        risk_of_bias="some_concerns",
        title="Knee brace + physical therapy vs physical therapy (synthetic, small)",
    ),
}


def build_study() -> Study:
    """The demo study in memory (simulated cohorts with their truth, literature tables)."""
    from kneestudy.datasets.literature import arm_summaries, contrasts
    from kneestudy.simulate import cohort

    cohorts = []
    for cohort_id, spec in COHORTS.items():
        kwargs = dict(spec)
        cohorts.append(cohort(cohort_id=cohort_id, **kwargs))
    return Study(
        study_id=STUDY_ID,
        title=TITLE,
        cohorts=cohorts,
        arm_summaries=arm_summaries(),
        contrasts=contrasts(),
        metadata={
            "description": (
                "Synthetic trials (source = synthetic, seeds in each cohort.toml) drawn by "
                "kneestudy.simulate, and published contrasts and arm summaries with their "
                "citations in literature/. Rebuilt by python -m kneestudy.datasets.build."
            ),
            "source": "synthetic cohorts; published literature tables",
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
    """The folder's README: what is synthetic, what is published, and how it was made."""
    lines = [
        f"# {study.title}",
        "",
        "This folder is generated by `python -m kneestudy.datasets.build`; do not edit it by hand.",
        "",
        "## Synthetic trials (`cohorts/`)",
        "",
        "Simulated by `kneestudy.simulate.cohort` (every parameter and its source: "
        '`kneestudy.simulate.parameters`). Each `cohort.toml` says `source = "synthetic"` '
        "and records its seed. These are not real patients.",
        "",
        "| cohort | arms | n | seed | visit weeks | risk of bias |",
        "|---|---|---|---|---|---|",
    ]
    for c in study.cohorts:
        arms = " / ".join(f"`{a}`" for a in c.truth["arms"]) if c.truth else ""
        weeks = ", ".join(f"{w:g}" for w in c.manifest.visit_weeks)
        lines.append(
            f"| {c.cohort_id} | {arms} | {len(c.participants)} | {c.manifest.seed} | {weeks} "
            f"| {c.manifest.risk_of_bias} |"
        )
    lines += [
        "",
        "## Published figures (`literature/`)",
        "",
        "`contrasts.csv` and `arm_summaries.csv` hold published figures, each row citing its "
        "`source`; standard errors come from 95% CIs as (upper - lower) / 3.92 (log scale for "
        "ratios). Assumptions (weeks, coded comparators, assumed SDs) are stated in `note`. "
        "Glucosamine rows come from knee osteoarthritis (`population`).",
        "",
        "| study | treatment | comparator | outcome | measure | source |",
        "|---|---|---|---|---|---|",
    ]
    for r in study.contrasts.itertuples():
        lines.append(
            f"| {r.study_id} | `{r.treatment}` | `{r.comparator}` | {r.outcome} | {r.measure} "
            f"| {r.source} |"
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
