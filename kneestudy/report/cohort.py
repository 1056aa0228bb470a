"""The section of one cohort: its design and arms, flow, Table 1, outcomes over time,
effects, the within-person comparison (crossover), the sensitivity analyses for
withdrawals, the seed's claims (squat test, the brace at once), time to
pain-free and harms.

A cohort is first turned into a :class:`CohortView`: its arms named for
display (by intervention code, see :func:`kneestudy.ingest.model.display_labels`),
the analyses that do not apply to its design set aside with their reason
(:mod:`kneestudy.report.applicability`), and every analysis that applies run
once (:func:`kneestudy.report.analyses.cohort_analyses`). The section is then
assembled from :data:`COHORT_PARTS`, functions ``part(view, settings) ->
list of blocks``; a new analysis slots in as one more part.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kneestudy.errors import AnalysisError
from kneestudy.ingest.model import Cohort
from kneestudy.plots.labels import intervention_label
from kneestudy.report.applicability import Inapplicable, not_applicable, skipped_keys
from kneestudy.report.baseline import baseline_table
from kneestudy.report.content import (
    DIAGRAM,
    Column,
    Facts,
    Figure,
    Heading,
    NotApplicable,
    Paragraph,
    Problem,
    Section,
    Table,
)
from kneestudy.report.settings import Settings

__all__ = ["COHORT_PARTS", "CohortView", "cohort_section", "cohort_view", "warning_bullets"]


class _ArmsOnce(Cohort):
    """The same cohort with its ``arms`` table computed once (read-only use in a report)."""

    @functools.cached_property
    def arms(self) -> pd.DataFrame:  # type: ignore[override]
        return Cohort.arms.fget(self)  # type: ignore[attr-defined]


@dataclass(eq=False)
class CohortView:
    """A cohort as the report shows it.

    Attributes
    ----------
    cohort : Cohort
        The cohort with each participant's ``arm`` replaced by the arm's display
        name (unique per intervention code), so every table and plot groups by
        code and shows names.
    original : Cohort
        The cohort as loaded.
    anchor : str
        Section anchor (``cohort-1``).
    slug : str
        Stable prefix of the cohort's table keys and figure names.
    names : dict
        Intervention code -> display name.
    comparator : str or None
        The comparator arm's code.
    week : float
        Week of the effects (the primary week unless the settings give one).
    inapplicable : list of Inapplicable
    results : dict
        :func:`~kneestudy.report.analyses.cohort_analyses` of the analyses that apply.
    """

    cohort: Any
    original: Any
    anchor: str
    slug: str
    names: dict[str, str]
    comparator: str | None
    week: float
    inapplicable: list[Inapplicable] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def comparator_name(self) -> str | None:
        return self.names.get(self.comparator) if self.comparator else None

    def name(self, code: Any) -> str:
        """Display name of an arm by its intervention code."""
        return self.names.get(str(code), intervention_label(str(code)))

    def left_out(self, part: str) -> list[NotApplicable]:
        return [NotApplicable(i.what, i.why) for i in self.inapplicable if i.part == part]

    def pair(self, treatment: Any) -> str:
        """ "Arm vs comparator" by the treatment arm's code."""
        return f"{self.name(treatment)} vs {self.comparator_name}"


def _display_cohort(cohort: Any, names: dict[str, str]) -> Any:
    p = cohort.participants.assign(arm=cohort.participants["intervention"].astype(str).map(names))
    shown = dataclasses.replace(cohort, participants=p)
    if type(shown) is Cohort:
        shown = _ArmsOnce(**{f.name: getattr(shown, f.name) for f in dataclasses.fields(shown)})
    return shown


def cohort_view(cohort: Any, anchor: str, slug: str, settings: Settings) -> CohortView:
    """Name the arms, decide what applies and run the analyses of one cohort."""
    from kneestudy.report.analyses import cohort_analyses

    names = cohort.display_labels()
    shown = _display_cohort(cohort, names)
    comp_rows = shown.arms.loc[shown.arms["is_comparator"], "intervention"]
    week = float(settings.week if settings.week is not None else cohort.manifest.primary_week)
    skip = not_applicable(shown)
    results = cohort_analyses(
        shown,
        outcome=settings.outcome,
        week=week,
        threshold=settings.pain_free_threshold,
        skip=skipped_keys(skip),
        rmst_pairs=True,
        extended=True,
        imputations=settings.imputations,
        imputation_seed=settings.imputation_seed,
    )
    for key, attr, name in (
        ("mmrm", "covariance", "mmrm_covariance"),
        ("kaplan_meier", "conf_type", "km_conf_type"),
        ("cox", "ties", "cox_ties"),
    ):
        value = getattr(results.get(key), attr, None)
        if isinstance(value, str):
            settings.used.setdefault(name, set()).add(value)
    if getattr(results.get("cox"), "ph_test", None) is not None:
        settings.used["cox_ph_test"] = True
    sens = results.get("sensitivity")
    if hasattr(sens, "table"):
        settings.used["sensitivity"] = {"m": sens.m, "seed": sens.seed, "approach": sens.approach}
    return CohortView(
        cohort=shown,
        original=cohort,
        anchor=anchor,
        slug=slug,
        names=names,
        comparator=str(comp_rows.iloc[0]) if len(comp_rows) else None,
        week=week,
        inapplicable=skip,
        results=results,
    )


def warning_bullets(notes: Sequence[str]) -> list[Any]:
    """The warnings analyses gave (participants left out and why, …), shown not hidden."""
    from kneestudy.report.content import Bullets

    return [Bullets(tuple(notes), title="Notes from the analyses", style="notes")] if notes else []


def problem(what: str, res: Any) -> list[Problem]:
    """A Problem block when ``res`` is an AnalysisError, else nothing."""
    return [Problem(what, str(res))] if isinstance(res, AnalysisError) else []


# -- parts --------------------------------------------------------------------


def overview(v: CohortView, settings: Settings) -> list[Any]:
    """Design, outcome, risk of bias and source; the arms table."""
    m = v.original.manifest
    design = {"parallel": "parallel-group randomised trial", "single_arm": "single-arm cohort",
              "crossover": "crossover trial"}.get(m.design, m.design)  # fmt: skip
    from kneestudy.report.settings import outcome_label

    out: list[Any] = [
        Facts(
            (
                ("Cohort", m.cohort_id),
                ("Design", design),
                (
                    "Primary outcome",
                    f"{outcome_label(m.primary_outcome)} at week {m.primary_week:g}",
                ),
                ("Risk of bias", m.risk_of_bias.replace("_", " ")),
                ("Population", m.population),
                ("Source", m.source),
            )
        )
    ]
    if m.description:
        out.append(Paragraph(m.description, "muted"))
    arms = v.cohort.arms
    frame = pd.DataFrame(
        {
            "arm": arms["arm"],
            "intervention": arms["intervention"],
            "role": ["comparator" if c else "treatment" for c in arms["is_comparator"]],
            "n": arms["n"].astype(float),
        }
    )
    if m.design == "single_arm":
        frame["role"] = "single arm"
    out.append(
        Table(
            f"{v.slug}-arms",
            f"Arms of {m.title}",
            frame,
            (
                Column("arm", "Arm", style="text"),
                Column("intervention", "Intervention", style="label"),
                Column("role", "Role", style="text"),
                Column("n", "Participants", style="count"),
            ),
            notes=(
                "Arms are identified by their intervention code; the arm names are as in "
                "the data, or the intervention's label when the data give only that.",
            ),
        )  # fmt: skip
    )
    return out


def flow(v: CohortView, settings: Settings) -> list[Any]:
    from kneestudy import plots

    c = v.cohort
    n_arms = max(len(c.arms), 1)
    return [
        Heading("Participant flow", f"{v.anchor}-flow"),
        Figure(
            f"{v.slug}-flow",
            f"Participant flow of {c.title} (CONSORT): numbers from the data, analysed = primary "
            f"outcome observed at baseline and at week {c.manifest.primary_week:g}.",
            lambda ax: plots.consort(c, ax),
            (max(6.5, 2.3 * n_arms), 4.6),
            alt=f"CONSORT flow of {c.title}",
            margins=DIAGRAM,
        ),
    ]


def baseline(v: CohortView, settings: Settings) -> list[Any]:
    frame = baseline_table(v.cohort)
    arms, comp = frame.attrs["arms"], frame.attrs["comparator"]
    n = {c: int(frame.loc[frame["variable"] == "n", f"{c}.a"].iloc[0]) for c in arms}
    cols = [Column("characteristic", "Characteristic", style="text")]
    for code, name in arms.items():
        cols.append(
            Column(
                f"{code}.a",
                f"{name} (n = {n[code]})",
                style="summary",
                digits=1,
                fields=("statistic", f"{code}.a", f"{code}.b", f"{code}.c"),
            )  # fmt: skip
        )
    cols.append(Column("missing", "Missing", unit="n", style="count", missing=""))
    smd_cols = [c for c in arms if f"smd.{c}" in frame]
    for code in smd_cols:
        label = "SMD" if len(smd_cols) == 1 else f"SMD {arms[code]}"
        cols.append(Column(f"smd.{code}", label, unit=f"vs {arms[comp]}", digits=2, missing=""))
    notes = [
        "Mean (SD) or, for markedly skewed variables (|skewness| > 1), median [Q1, Q3]; "
        "n (%) of participants with a value. Missing: participants without a value, all arms.",
    ]
    if smd_cols:
        notes.append(
            "SMD: absolute standardised difference against the comparator arm (Austin 2009; "
            "categorical variables over all levels, Yang & Dalton 2012); above 0.1 is commonly "
            "read as imbalance. No significance tests (CONSORT 2010, item 15)."
        )
    if frame.attrs["not_recorded"]:
        notes.append("Not recorded in this cohort: " + ", ".join(frame.attrs["not_recorded"]) + ".")
    shown = frame.assign(missing=frame["missing"].where(frame["statistic"] != "n"))
    return [
        Heading("Baseline characteristics by arm", f"{v.anchor}-baseline"),
        Table(
            f"{v.slug}-baseline",
            f"Baseline characteristics of the participants of {v.cohort.title}, by arm",
            shown,
            tuple(cols),
            notes=tuple(notes),
            indent="indent",
        ),
    ]


def trajectories(v: CohortView, settings: Settings) -> list[Any]:
    from kneestudy import plots

    c = v.cohort
    out: list[Any] = [Heading("Pain and AKPS over time", f"{v.anchor}-trajectories")]
    for outcome, what in (("pain", "Pain"), ("akps", "AKPS")):
        if outcome in c.visits and c.visits[outcome].notna().any():
            out.append(
                Figure(
                    f"{v.slug}-{outcome}-over-time",
                    f"{what} by arm and week in {c.title}: observed means with 95% CIs (t "
                    "intervals), not adjusted and not imputed.",
                    lambda ax, o=outcome: plots.trajectories(c, o, ax),
                    (7.0, 3.6),
                    alt=f"{outcome} by arm and week",
                    margins={"bottom": 0.15, "left": 0.11},
                )
            )
    return out


def _results_parts() -> list[Callable[[CohortView, Settings], list[Any]]]:
    from kneestudy.report.claims import immediate_effect, squat_test
    from kneestudy.report.cohort_results import effects, survival
    from kneestudy.report.crossover import crossover
    from kneestudy.report.harms import harms
    from kneestudy.report.missing_data import sensitivity

    return [effects, crossover, sensitivity, squat_test, immediate_effect, survival, harms]


#: The parts of a cohort section, in order (each ``part(view, settings) -> blocks``).
COHORT_PARTS: list[Callable[[CohortView, Settings], list[Any]]] = [
    overview,
    flow,
    baseline,
    trajectories,
]


def cohort_section(
    v: CohortView,
    settings: Settings,
    parts: Sequence[Callable[[CohortView, Settings], list[Any]]] | None = None,
) -> Section:
    """The report section of one cohort, from ``parts`` (default: every part, in order)."""
    chosen = list(parts) if parts is not None else [*COHORT_PARTS, *_results_parts()]
    blocks: list[Any] = []
    for part in chosen:
        blocks.extend(part(v, settings))
    return Section(
        id=v.anchor,
        title=v.original.title,
        blocks=tuple(blocks),
        synthetic=v.original.is_synthetic,
        kind="cohort",
    )
