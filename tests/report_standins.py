"""Stand-ins for report and command-line tests: small cohorts and fake analyses.

The cohorts come from :mod:`standins`; ``install_fakes`` swaps analysis
functions for fast fakes inside a test (monkeypatch), never in the package.
"""

from __future__ import annotations

import dataclasses
import sys
import types

import numpy as np
import pandas as pd
from standins import km_table, make_cohort

from kneestudy._results import Result
from kneestudy.compare.findings import SOF_COLUMNS
from kneestudy.compare.sensitivity import SENSITIVITY_COLUMNS
from kneestudy.compare.windows import resolve_window
from kneestudy.errors import AnalysisError
from kneestudy.ingest.model import Study

__all__ = ["FakeComparison", "FakeEffect", "install_fakes", "km_table", "make_cohort", "make_study"]

# -- stand-ins for analysis modules (only inside tests) -----------------------


@dataclasses.dataclass(frozen=True)
class FakeEffect(Result):
    estimate: float = -1.0
    se: float = 0.3
    ci_low: float = -1.6
    ci_high: float = -0.4
    p_value: float = 0.001


@dataclasses.dataclass(frozen=True)
class FakeComparison(Result):
    """A stand-in of IdeasComparison with every attribute the report reads (made-up numbers)."""

    table: pd.DataFrame = None
    network: object = None
    contrasts: pd.DataFrame = None
    certainty: pd.DataFrame = None
    node_split: pd.DataFrame = None
    outcome: str = "pain"
    window: object = None
    window_label: str = "up to 3 months"
    measure: str = "MD"
    scale: str = "points on the 0–10 pain scale"
    reference_label: str = "inactive control (usual care, placebo)"
    mcid: float = 2.0
    mcid_source: str = "test value"
    method_tau: str = "DL"
    random: bool = True
    tau2: float = 0.1
    i2: float = 20.0
    q: float = 3.0
    df_q: float = 2.0
    q_p_value: float = 0.22
    n_studies: int = 2
    n_rows_used: int = 2
    n_rows_set_aside: int = 1
    additivity: object = None
    design_by_treatment: object = None
    methods: tuple = ("A made-up model of the report tests.",)
    notes: tuple = ()

    def summary_of_findings(self) -> pd.DataFrame:
        t = self.table
        out = pd.DataFrame({c: np.nan for c in SOF_COLUMNS}, index=range(len(t)))
        for c in ("idea", "label", "participants", "studies", "certainty", "reasons", "verdict"):
            out[c] = t[c].to_numpy()
        out["comparator"] = self.reference_label
        out["comparator_value"] = 4.0
        out["comparator_basis"] = "made up"
        out["absolute_effect"] = t["estimate"].to_numpy()
        out["absolute_ci_low"] = t["ci_low"].to_numpy()
        out["absolute_ci_high"] = t["ci_high"].to_numpy()
        out["intervention_value"] = 4.0 + t["estimate"].to_numpy()
        return out

    def sensitivity(self) -> pd.DataFrame:
        t = self.table
        out = pd.DataFrame({c: np.nan for c in SENSITIVITY_COLUMNS}, index=range(len(t)))
        for c in ("idea", "label", "status", "estimate", "ci_low", "ci_high", "rank",
                  "certainty"):  # fmt: skip
            out[c] = t[c].to_numpy()
        out["analysis"], out["description"], out["changed"] = "standard model", "made up", 1
        return out


def fake_comparison_table() -> pd.DataFrame:
    from kneestudy.interventions import IDEAS

    rows = []
    for i, (code, idea) in enumerate(IDEAS.items()):
        has = i != 1
        rows.append(
            {
                "idea": code,
                "label": idea.label,
                "status": "estimated" if has else "no evidence",
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
                "reasons": "imprecision: made up" if has else "",
                "verdict": f"{idea.label} may help (mean difference -0.3)" if has else "no data",
            }
        )
    return pd.DataFrame(rows)


def fake_comparison(study=None, outcome="pain", window="short", model="additive", *, week=None,
                    **kwargs) -> FakeComparison:  # fmt: skip
    """Stand-in of ``compare_ideas``: pain up to 3 months has made-up evidence; the other
    outcomes and windows none (as a report on little evidence sees them)."""
    win = resolve_window(window if week is None else "short", week, outcome)
    table = fake_comparison_table()
    has = outcome == "pain" and win.name == "short"
    if not has:
        table = table.assign(status="no evidence", studies=0, participants=0.0,
                             **{c: np.nan for c in ("estimate", "ci_low", "ci_high", "pi_low",
                                                    "pi_high", "p_score", "rank")})  # fmt: skip
    contrasts = pd.DataFrame({
        "study_id": ["hip-a", "orth-b", "orth-b"], "treatment": ["glute_strengthening",
        "orthotics", "orthotics"], "comparator": ["usual_care", "flat_insert", "flat_insert"],
        "week": [12.0, 12.0, 4.0], "status": ["used", "used", "set aside"],
        "reason": ["used: week 12", "used: week 12", "another time point of this comparison "
                   "(week 12) is nearer the target week 12"],
        "note": ["", "", ""], "estimate": [-1.0, -0.5, -0.4], "se": [0.3, 0.4, 0.4],
        "n_treatment": [12, 12, 12], "n_comparator": [12, 12, 12],
        "components_treatment": ["glute_strengthening", "orthotics", "orthotics"],
        "components_comparator": ["", "", ""],
        "node_treatment": ["glute_strengthening", "orthotics", "orthotics"],
        "node_comparator": ["inactive", "inactive", "inactive"],
    })  # fmt: skip
    if not has:
        contrasts = contrasts.assign(status="set aside", reason="outside the window")
    certainty = pd.DataFrame(
        [{"idea": r.idea, "label": r.label, "domain": d, "level": "no concerns", "downgrade": 0,
          "reason": "made up"} for r in table.itertuples() if r.status == "estimated"
         for d in ("within-study bias", "reporting bias", "indirectness", "imprecision",
                   "heterogeneity", "incoherence")],
        columns=["idea", "label", "domain", "level", "downgrade", "reason"],
    )  # fmt: skip
    return FakeComparison(
        table=table, network=None, contrasts=contrasts, certainty=certainty,
        node_split=pd.DataFrame(), outcome=outcome, window=win, window_label=win.label,
        n_rows_used=2 if has else 0, n_rows_set_aside=1 if has else 3, n_studies=2 if has else 0,
    )  # fmt: skip


def install_fakes(monkeypatch, *, fail_ancova_for: str | None = None) -> None:
    """Replace the analysis entry points the report calls with small stand-ins."""
    import kneestudy

    def ancova(cohort, outcome="pain", week=12, treatment=None):
        if fail_ancova_for and cohort.cohort_id == fail_ancova_for:
            raise AnalysisError("only one arm has data at week 12")
        return FakeEffect()

    import kneestudy.effects as real_effects

    effects = types.SimpleNamespace(
        ancova=ancova,
        mmrm=lambda cohort, outcome="pain": FakeEffect(),
        responders=lambda cohort, outcome="pain", week=12, treatment=None: FakeEffect(),
    )
    # the report's analyses of the design and of the seed's claims run for real (small cohorts)
    for name in ("sensitivity_table", "crossover", "squat_test_claim", "immediate_effect",
                 "first_follow_up", "adverse_events_by_term", "clopper_pearson"):  # fmt: skip
        setattr(effects, name, getattr(real_effects, name))

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
                    "intervention": g["intervention"].iloc[0],
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
    compare = types.SimpleNamespace(compare_ideas=fake_comparison)
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


# -- whole studies for the rendering checks (real analyses, the demo's data) ---


def one_trial_study() -> Study:
    """One three-arm trial of the demo study, on its own."""
    from kneestudy.datasets import demo_study

    glute = demo_study().cohort("demo-glute")
    return Study(study_id="one-trial", title=glute.title, cohorts=[glute])


def single_arm_study() -> Study:
    """A single-arm cohort: the gait-retraining arm of the demo's running-form trial."""
    from kneestudy.datasets import demo_study

    rf = demo_study().cohort("demo-running-form")
    p = rf.participants[rf.participants["intervention"] == "running_form"]
    ids = set(p["participant_id"])
    ae = rf.adverse_events
    cohort = dataclasses.replace(
        rf,
        manifest=dataclasses.replace(
            rf.manifest,
            design="single_arm",
            comparator=None,
            cohort_id="gait-case-series",
            title="Gait retraining case series (synthetic)",
        ),
        participants=p.reset_index(drop=True),
        visits=rf.visits[rf.visits["participant_id"].isin(ids)].reset_index(drop=True),
        adverse_events=None if ae is None else ae[ae["participant_id"].isin(ids)],
        path=None,
        report=None,
    )
    return Study(study_id="single-arm", title=cohort.title, cohorts=[cohort])


def crossover_study() -> Study:
    """One simulated crossover of brace settings (AB/BA), on its own."""
    from kneestudy.simulate import crossover

    cohort = crossover(n=40, seed=1)
    return Study(study_id="crossover", title=cohort.title, cohorts=[cohort])


#: Hand-made RoB 2 judgements and search counts for the literature-only stand-in:
#: test inputs only, not anyone's assessment of these papers.
_ROB = ("low", "some_concerns", "high", "low", "no_information")


def literature_study() -> Study:
    """A study with no cohorts: the demo's published rows, with made-up RoB 2 domains and
    PRISMA counts (the shape of the evidence base's report)."""
    from kneestudy.datasets import demo_study

    demo = demo_study()
    c = demo.contrasts.copy()
    a = demo.arm_summaries.copy()
    ids = list(dict.fromkeys([*c["study_id"], *a["study_id"]]))
    domains = ("randomisation", "deviations", "missing_data", "measurement", "selection")
    for frame in (c, a):
        for j, col in enumerate(domains):
            frame[col] = [_ROB[(ids.index(s) + j) % len(_ROB)] for s in frame["study_id"]]
        frame["risk_of_bias"] = [("low", "some_concerns", "high")[ids.index(s) % 3]
                                 for s in frame["study_id"]]  # fmt: skip
    prisma = {
        "identified": {"Databases": 212, "Registers": 19},
        "removed": {"Duplicates": 47},
        "excluded_screening": 128,
        "not_retrieved": 3,
        "excluded": {"Not randomised": 21, "No usable numbers": 9, "Wrong population": 9},
        "studies_included": len(ids),
        "reports_included": 14,
    }
    return Study(
        study_id="published",
        title="What the published trials say (test stand-in)",
        cohorts=[],
        contrasts=c,
        arm_summaries=a,
        metadata={"prisma": prisma},
    )
