"""Small hand-made cohorts for plot tests (independent of the simulator)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kneestudy.ingest.model import Cohort, Manifest


def make_cohort(
    n_per_arm: int = 12,
    seed: int = 1,
    arms: tuple[tuple[str, str], ...] = (
        ("Hip + knee", "glute_strengthening+quadriceps_strengthening"),
        ("Usual care", "usual_care"),
    ),
    title: str = "Hip strengthening vs usual care",
    cohort_id: str = "hip-test",
) -> Cohort:
    rng = np.random.default_rng(seed)
    weeks = (0.0, 4.0, 12.0)
    parts, visits = [], []
    for a, (arm, code) in enumerate(arms):
        for i in range(n_per_arm):
            pid = f"{cohort_id}-{a}-{i:03d}"
            wd = 8.0 if i == 0 else np.nan
            parts.append(
                {
                    "participant_id": pid,
                    "arm": arm,
                    "intervention": code,
                    "age": float(rng.uniform(18, 50)),
                    "sex": "female" if i % 2 else "male",
                    "bmi": float(rng.uniform(19, 28)),
                    "symptom_months": float(rng.uniform(3, 30)),
                    "weekly_km": float(rng.uniform(5, 50)),
                    "squat_test": "fail" if i % 3 else "pass",
                    "withdrawal_week": wd,
                }
            )
            base = float(rng.uniform(4, 7))
            for w in weeks:
                if not np.isnan(wd) and w > wd:
                    continue
                pain = max(0.0, base - w * (0.25 if a == 0 else 0.1) + rng.normal(0, 0.8))
                visits.append(
                    {
                        "participant_id": pid,
                        "week": w,
                        "pain": min(pain, 10.0),
                        "akps": float(
                            np.clip(70 + 2 * w * (1.5 if a == 0 else 1) + rng.normal(0, 5), 0, 100)
                        ),
                        "grc": pd.NA,
                        "adherence": 0.8,
                    }
                )
    p = pd.DataFrame(parts)
    p["sex"] = pd.Categorical(p["sex"], categories=["female", "male", "other"])
    p["squat_test"] = pd.Categorical(p["squat_test"], categories=["pass", "fail"])
    v = pd.DataFrame(visits)
    v["grc"] = v["grc"].astype("Int64")
    ae = pd.DataFrame(
        {
            "participant_id": [p["participant_id"].iloc[0], p["participant_id"].iloc[1]],
            "week": [2.0, 4.0],
            "term": ["knee soreness", "blister"],
            "severity": pd.Categorical(["mild", "mild"], categories=["mild", "moderate", "severe"]),
            "serious": [False, False],
            "related": pd.array([True, pd.NA], dtype="boolean"),
        }
    )
    manifest = Manifest(
        cohort_id=cohort_id,
        title=title,
        comparator=arms[-1][1],
        primary_week=12.0,
        visit_weeks=weeks,
        source="synthetic",
    )
    return Cohort(manifest=manifest, participants=p, visits=v, adverse_events=ae)


def km_table() -> pd.DataFrame:
    """A Kaplan–Meier table in the shape kneestudy.survival returns."""
    return pd.DataFrame(
        {
            "group": ["A"] * 3 + ["B"] * 2,
            "time": [2.0, 4.0, 12.0, 4.0, 12.0],
            "at_risk": [10, 8, 5, 10, 9],
            "events": [2, 3, 1, 1, 2],
            "censored": [0, 0, 4, 0, 7],
            "survival": [0.8, 0.5, 0.4, 0.9, 0.7],
            "se": [0.1, 0.15, 0.15, 0.1, 0.14],
            "ci_low": [0.5, 0.25, 0.2, 0.6, 0.4],
            "ci_high": [0.95, 0.75, 0.65, 0.98, 0.9],
        }
    )


# -- stand-ins for analysis modules (only inside tests) -----------------------
import dataclasses  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402

from kneestudy._results import Result  # noqa: E402
from kneestudy.errors import AnalysisError  # noqa: E402
from kneestudy.ingest.model import Study  # noqa: E402


@dataclasses.dataclass(frozen=True)
class FakeEffect(Result):
    estimate: float = -1.0
    se: float = 0.3
    ci_low: float = -1.6
    ci_high: float = -0.4
    p_value: float = 0.001


@dataclasses.dataclass(frozen=True)
class FakeComparison(Result):
    table: pd.DataFrame = None
    network: object = None
    contrasts: pd.DataFrame = None


def fake_comparison_table() -> pd.DataFrame:
    from kneestudy.interventions import IDEAS

    rows = []
    for i, (code, idea) in enumerate(IDEAS.items()):
        has = i != 1
        rows.append(
            {
                "idea": code,
                "label": idea.label,
                "studies": 2 if has else 0,
                "participants": 100 if has else 0,
                "estimate": -0.3 * i if has else np.nan,
                "ci_low": -0.3 * i - 0.8 if has else np.nan,
                "ci_high": -0.3 * i + 0.8 if has else np.nan,
                "pi_low": -0.3 * i - 1.5 if has else np.nan,
                "pi_high": -0.3 * i + 1.5 if has else np.nan,
                "p_score": i / 8 if has else np.nan,
                "rank": 8 - i if has else np.nan,
                "certainty": "low" if has else "",
                "verdict": "may help" if has else "no data",
            }
        )
    return pd.DataFrame(rows)


def install_fakes(monkeypatch, *, fail_ancova_for: str | None = None) -> None:
    """Replace the analysis entry points the report calls with small stand-ins."""
    import kneestudy

    def ancova(cohort, outcome="pain", week=12, treatment=None):
        if fail_ancova_for and cohort.cohort_id == fail_ancova_for:
            raise AnalysisError("only one arm has data at week 12")
        return FakeEffect()

    effects = types.SimpleNamespace(
        ancova=ancova,
        mmrm=lambda cohort, outcome="pain": FakeEffect(),
        responders=lambda cohort, outcome="pain", week=12, treatment=None: FakeEffect(),
    )

    def time_to_pain_free(cohort, threshold=1.0):
        long = cohort.long("pain")
        rows = []
        for pid, g in long.groupby("participant_id", sort=True):
            g = g.sort_values("week")
            hit = g[(g["week"] > 0) & (g["pain"] <= threshold)]
            last = float(g["week"].max()) or 1.0
            rows.append(
                {
                    "participant_id": pid,
                    "arm": g["arm"].iloc[0],
                    "time_weeks": float(hit["week"].iloc[0]) if len(hit) else last,
                    "observed": bool(len(hit)),
                }
            )
        return pd.DataFrame(rows)

    def rmst(durations, observed, groups, tau):
        raise AnalysisError("no events before tau")

    survival = types.SimpleNamespace(
        time_to_pain_free=time_to_pain_free,
        kaplan_meier=lambda d, o, g: kneestudy.survival.kaplan_meier(d, o, g),
        logrank=lambda d, o, g: kneestudy.survival.logrank(d, o, g),
        cox=lambda *a, **k: FakeEffect(),
        rmst=rmst,
    )
    compare = types.SimpleNamespace(
        compare_ideas=lambda study, outcome="pain", week=12: FakeComparison(
            table=fake_comparison_table(), network=None, contrasts=pd.DataFrame()
        )
    )
    monkeypatch.setattr(kneestudy, "effects", effects, raising=False)
    monkeypatch.setitem(sys.modules, "kneestudy.effects", effects)
    monkeypatch.setattr(kneestudy, "compare", compare, raising=False)
    monkeypatch.setitem(sys.modules, "kneestudy.compare", compare)
    real_survival = kneestudy.survival
    survival.kaplan_meier = real_survival.kaplan_meier
    survival.logrank = real_survival.logrank
    monkeypatch.setattr(kneestudy, "survival", survival, raising=False)
    monkeypatch.setitem(sys.modules, "kneestudy.survival", survival)


def make_study(**kwargs) -> Study:
    c1 = make_cohort(cohort_id="hip-a", **kwargs)
    c2 = make_cohort(
        cohort_id="orth-b",
        seed=2,
        arms=(("Orthoses", "orthotics"), ("Flat inserts", "flat_insert")),
        title="Orthoses vs flat inserts",
    )
    return Study(study_id="test-study", title="A small test study", cohorts=[c1, c2])
