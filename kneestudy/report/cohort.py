"""The per-cohort sections of the report.

Each analysis runs through :func:`attempt`: a :class:`~kneestudy.errors.AnalysisError`
(an analysis that cannot be done on these data) becomes a message in its
section; any other exception is a bug and propagates.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from markupsafe import Markup

from kneestudy.effects.safety import adverse_events
from kneestudy.errors import AnalysisError
from kneestudy.ingest.model import Cohort
from kneestudy.report._html import DIAGRAM, error_box, esc, figure_svg, items, note, para, table
from kneestudy.report._tables import baseline_table
from kneestudy.report.analyses import cohort_analyses

__all__ = ["Settings", "attempt", "cohort_section", "result_frame", "warning_notes"]


@dataclass(frozen=True)
class Settings:
    """Analysis settings used throughout a report (written into its methods)."""

    outcome: str = "pain"
    week: float | None = None  # None: each cohort's primary week
    pain_free_threshold: float = 1.0
    level: float = 0.95
    used: dict[str, Any] = field(default_factory=dict, compare=False)


def attempt(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Markup]:
    """Run an analysis; on AnalysisError return (None, a message box)."""
    try:
        return fn(*args, **kwargs), Markup("")
    except AnalysisError as exc:
        return None, error_box(what, exc)


def result_frame(result: Any) -> pd.DataFrame:
    """A result's tidy table (``to_frame()``), all-empty columns dropped."""
    if result is None:
        return pd.DataFrame()
    frame = result.to_frame() if hasattr(result, "to_frame") else pd.DataFrame(result)
    frame = frame.reset_index(drop=isinstance(frame.index, pd.RangeIndex))
    return frame.dropna(axis=1, how="all")


def _pick(frame: pd.DataFrame, *names: str) -> str | None:
    for n in names:
        if n in frame.columns:
            return n
    return None


def _comparator_arm(cohort: Any) -> str | None:
    rows = cohort.arms.loc[cohort.arms["is_comparator"], "display"]
    return str(rows.iloc[0]) if len(rows) else None


def _h3(anchor: str, title: str) -> Markup:
    return Markup(f'<h3 id="{esc(anchor)}">{esc(title)}</h3>')


class _ArmsOnce(Cohort):
    """The same cohort with its ``arms`` table computed once (read-only use in a report)."""

    @functools.cached_property
    def arms(self) -> pd.DataFrame:  # type: ignore[override]
        return Cohort.arms.fget(self)  # type: ignore[attr-defined]


def _arms_once(cohort: Any) -> Any:
    if type(cohort) is not Cohort:
        return cohort
    return _ArmsOnce(**{f.name: getattr(cohort, f.name) for f in dataclasses.fields(cohort)})


def warning_notes(notes: list[str]) -> Markup:
    """The warnings analyses gave (participants left out and why, …), shown not hidden."""
    if not notes:
        return Markup("")
    return (
        Markup('<div class="warnings"><strong>Notes from the analyses</strong>')
        + items(notes)
        + Markup("</div>")
    )


def cohort_section(cohort: Any, anchor: str, settings: Settings) -> Markup:
    """HTML of one cohort: flow, baseline, trajectories, effects, time to pain-free, AEs."""
    from kneestudy import plots

    cohort = _arms_once(cohort)

    m = cohort.manifest
    week = float(settings.week if settings.week is not None else m.primary_week)
    comp = _comparator_arm(cohort)
    parts: list[Markup] = []
    parts.append(
        Markup(
            f'<p class="meta">Cohort <code>{esc(m.cohort_id)}</code> · design {esc(m.design)} · '
            f"primary outcome {esc(m.primary_outcome)} at week {esc(f'{m.primary_week:g}')} · "
            f"risk of bias {esc(m.risk_of_bias.replace('_', ' '))} · source {esc(m.source)}</p>"
        )
    )
    if m.description:
        parts.append(para(m.description))

    # Participant flow
    parts.append(_h3(f"{anchor}-flow", "Participant flow"))
    n_arms = max(len(cohort.arms), 1)
    parts.append(
        figure_svg(
            lambda ax: plots.consort(cohort, ax),
            (max(6.5, 2.3 * n_arms), 4.6),
            alt=f"CONSORT flow of {m.title}",
            margins=DIAGRAM,
        )
    )

    # Baseline
    parts.append(_h3(f"{anchor}-baseline", "Baseline characteristics by arm"))
    parts.append(
        table(
            baseline_table(cohort),
            caption="Mean (SD) or n (%); SMD = standardised difference vs the comparator arm",
        )
    )

    # Trajectories
    parts.append(_h3(f"{anchor}-trajectories", "Pain and AKPS over time"))
    for outcome in ("pain", "akps"):
        if outcome in cohort.visits and cohort.visits[outcome].notna().any():
            parts.append(
                figure_svg(
                    lambda ax, o=outcome: plots.trajectories(cohort, o, ax),
                    (7.0, 3.6),
                    alt=f"{outcome} by arm and week",
                    margins={"bottom": 0.15, "left": 0.11},
                )
            )

    # Effects
    parts.append(_h3(f"{anchor}-effects", f"Effects at week {week:g}"))
    results = cohort_analyses(
        cohort, outcome=settings.outcome, week=week, threshold=settings.pain_free_threshold
    )
    for key, attr, name in (
        ("mmrm", "covariance", "mmrm_covariance"),
        ("kaplan_meier", "conf_type", "km_conf_type"),
        ("cox", "ties", "cox_ties"),
    ):
        value = getattr(results.get(key), attr, None)
        if isinstance(value, str):
            settings.used.setdefault(name, set()).add(value)
    parts.extend(_effects(cohort, results, settings))

    # Time to pain-free
    parts.append(_h3(f"{anchor}-survival", "Time to pain-free"))
    parts.extend(_survival(cohort, results, comp, settings))
    parts.append(warning_notes(results.get("warnings", [])))

    # Adverse events
    parts.append(_h3(f"{anchor}-adverse-events", "Adverse events"))
    if cohort.adverse_events is None:
        parts.append(note("This cohort records no adverse-events table."))
    else:
        ae = adverse_events(cohort).drop(columns="intervention")
        parts.append(
            table(
                ae,
                digits=3,
                headers=[
                    "Arm",
                    "n",
                    "With ≥1 event",
                    "Reports",
                    "Serious",
                    "Risk",
                    "Exact CI low",
                    "Exact CI high",
                    f"RR vs {comp}",
                    "RR CI low",
                    "RR CI high",
                    "Fisher p",
                ],
                caption="Participants with at least one adverse event; risk with exact "
                "(Clopper–Pearson) 95% CI; risk ratio vs the comparator with 95% CI",
            )
        )
    return Markup("").join(parts)


def _shown(what: str, res: Any) -> tuple[Any, Markup]:
    if isinstance(res, AnalysisError):
        return None, error_box(what, res)
    return res, Markup("")


_ANCOVA_COLS = ("treatment", "comparator", "n_treatment", "n_comparator", "estimate", "se",
                "ci_low", "ci_high", "p_value", "smd", "smd_ci_low", "smd_ci_high")  # fmt: skip
_MMRM_COLS = ("week", "treatment", "comparator", "estimate", "se", "df", "ci_low", "ci_high",
              "p_value")  # fmt: skip
_RESP_COLS = ("treatment", "comparator", "events_treatment", "n_treatment", "events_comparator",
              "n_comparator", "rr", "rr_ci_low", "rr_ci_high", "odds_ratio", "or_ci_low",
              "or_ci_high", "rd", "rd_ci_low", "rd_ci_high", "nnt_text")  # fmt: skip


def _by_arm(
    what: str, results: dict[str, Any], cols: tuple[str, ...]
) -> tuple[pd.DataFrame, Markup]:
    """Rows of the per-arm results that worked, and messages for those that did not."""
    frames, errors = [], []
    for code, res in results.items():
        if isinstance(res, AnalysisError):
            errors.append(error_box(f"{what} ({code})", res))
        else:
            frames.append(result_frame(res))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    keep = [c for c in cols if c in frame.columns]
    return (frame[keep] if keep else frame), Markup("").join(errors)


def _effects(cohort: Any, results: dict[str, Any], settings: Settings) -> list[Markup]:
    week = results["week"]
    out: list[Markup] = []
    for outcome, label in (("pain", "Pain (0–10)"), ("akps", "AKPS (0–100)")):
        if f"ancova_{outcome}" not in results:
            continue
        frame, err = _by_arm(f"ANCOVA of {outcome}", results[f"ancova_{outcome}"], _ANCOVA_COLS)
        out.append(err)
        if len(frame):
            better = "negative = less pain" if outcome == "pain" else "positive = better function"
            out.append(
                table(
                    frame,
                    digits=3,
                    caption=f"ANCOVA: {label} at week {week:g} adjusted for baseline, each arm "
                    f"minus the comparator ({better})",
                )
            )
    if "mmrm" in results:
        res, err = _shown(f"MMRM of {settings.outcome}", results["mmrm"])
        out.append(err)
        if res is not None:
            frame = result_frame(res)
            frame = frame[[c for c in _MMRM_COLS if c in frame.columns] or list(frame.columns)]
            out.append(
                table(
                    frame,
                    digits=3,
                    caption=f"MMRM ({settings.outcome}, {getattr(res, 'covariance', '')} "
                    "covariance, REML): difference vs comparator at each visit",
                )
            )
    if "responders" in results:
        frame, err = _by_arm("Responder analysis", results["responders"], _RESP_COLS)
        out.append(err)
        if len(frame):
            out.append(
                table(
                    frame,
                    digits=3,
                    caption=f"Responders at week {week:g}: risk ratio, odds ratio, risk "
                    "difference and number needed to treat (NNT)",
                )
            )
    return out


def _survival(
    cohort: Any, results: dict[str, Any], comp: str | None, settings: Settings
) -> list[Markup]:
    from kneestudy import plots

    week = results["week"]
    tt, err = _shown("Time to pain-free", results["time_to_pain_free"])
    if tt is None:
        return [err]
    out: list[Markup] = []
    km, err = _shown("Kaplan–Meier curves", results["kaplan_meier"])
    out.append(err)
    if km is not None:
        colors = plots.arm_colors(
            list(cohort.arms.drop_duplicates("intervention")["display"]), comp
        )
        out.append(
            figure_svg(
                lambda ax: plots.pain_free_curves(km, ax, colors=colors, comparator=comp),
                (7.0, 5.2),
                alt="share pain-free over time by arm",
                margins={"left": 0.2, "bottom": 0.17 + 0.045 * len(cohort.arms), "top": 0.93},
            )
        )
        med = km.median
        if isinstance(med, pd.Series):
            med = med.rename("median_weeks").reset_index()
        if isinstance(med, pd.DataFrame):
            out.append(
                table(
                    med,
                    caption="Median weeks to pain-free (Kaplan–Meier; – = not reached)",
                )
            )
    lr, err = _shown("Log-rank test", results["logrank"])
    out.append(err)
    if lr is not None:
        out.append(table(result_frame(lr), digits=4, caption="Log-rank test"))
    if "cox" in results:
        cx, err = _shown("Cox model", results["cox"])
        out.append(err)
        if cx is not None:
            frame = cx.table if isinstance(getattr(cx, "table", None), pd.DataFrame) else None
            infinite = tuple(getattr(cx, "infinite", ()) or ())
            if infinite:
                out.append(
                    note(
                        "The Cox fit did not converge to a finite value for "
                        + ", ".join(infinite)
                        + " (e.g. no one in an arm became pain-free): that hazard ratio is "
                        "not estimable; read the curves and the log-rank test instead.",
                        kind="analysis-error",
                    )
                )
            out.append(
                table(
                    frame if frame is not None else result_frame(cx),
                    digits=3,
                    caption=f"Cox proportional-hazards model: hazard ratio of becoming "
                    f"pain-free vs {comp} (above 1 = sooner)",
                )
            )
    rm, err = _shown("Restricted mean time", results["rmst"])
    out.append(err)
    if rm is not None:
        out.append(
            table(
                result_frame(rm),
                digits=3,
                caption=f"Restricted mean weeks until pain-free, up to week {week:g} (RMST)",
            )
        )
        diff = getattr(rm, "difference", None)
        if isinstance(diff, pd.DataFrame) and len(diff):
            out.append(table(diff, digits=3, caption="RMST differences between arms (weeks)"))
    return out
