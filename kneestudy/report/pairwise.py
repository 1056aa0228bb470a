"""Direct evidence of the most often compared pair: forest plot and funnel plot."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kneestudy.plots.labels import intervention_label
from kneestudy.report.content import LABELLED, Figure, Heading, Paragraph, Problem
from kneestudy.report.content import slug as _slug

__all__ = ["pairwise_blocks"]

_Z = 1.959963984540054


def pairwise_blocks(comparison: Any) -> list[Any]:
    """Forest and funnel plot of the pair of nodes with the most direct contrasts (≥ 2)."""
    from kneestudy import meta, plots
    from kneestudy.errors import AnalysisError

    c = getattr(comparison, "contrasts", None)
    measure = str(getattr(comparison, "measure", "Effect"))
    if not isinstance(c, pd.DataFrame) or not len(c):
        return []
    est = next((n for n in ("yi", "estimate") if n in c), None)
    if est is None:
        return []
    if "vi" in c:
        vi = c["vi"].astype(float)
    elif "se" in c:
        vi = c["se"].astype(float) ** 2
    else:
        return []
    if "status" in c:
        keep = (c["status"] == "used").to_numpy()
        c, vi = c[keep], vi[keep]
    a = next((n for n in ("node_treatment", "idea", "treatment") if n in c), None)
    b = next((n for n in ("node_comparator", "comparator") if n in c), None)
    if a is None or b is None or not len(c):
        return []
    counts = c.groupby([a, b], sort=True).size().sort_values(ascending=False, kind="stable")
    if not len(counts) or counts.iloc[0] < 2:
        return []
    top_a, top_b = counts.index[0]
    pick = ((c[a] == top_a) & (c[b] == top_b)).to_numpy()
    sub = c[pick].assign(_vi=vi[pick].to_numpy())
    top = f"{intervention_label(top_a)} vs {intervention_label(top_b).lower()}"
    try:
        pooled, err = meta.pool(sub[est], sub["_vi"]), []
    except AnalysisError as exc:
        pooled, err = None, [Problem(f"Pooling of {top}", str(exc))]
    se = sub["_vi"] ** 0.5
    studies = pd.DataFrame(
        {
            "label": sub["study_id"].astype(str) if "study_id" in sub else sub.index.astype(str),
            "estimate": sub[est].astype(float),
            "ci_low": sub[est].astype(float) - _Z * se,
            "ci_high": sub[est].astype(float) + _Z * se,
            # the pooled model's own weights (random effects), as metafor's forest()
            "weight": (
                pooled.studies["weight"].to_numpy()
                if pooled is not None
                else (1 / sub["_vi"]).to_numpy()
            ),
        }
    )
    name = f"pairwise-{_slug(top_a)}-vs-{_slug(top_b)}"
    out: list[Any] = [Heading(f"Direct evidence: {top}", "pairwise"), *err]
    out.append(
        Figure(
            f"{name}-forest",
            f"Direct comparisons of {top}: each study's {measure} with 95% CI (box area ∝ "
            "random-effects weight), the pooled estimate (diamond, REML) and its 95% prediction "
            "interval (dashed).",
            lambda ax: plots.forest(
                studies,
                ax,
                pooled=pooled,
                weight="weight",
                title=f"{top}: direct comparisons",
                xlabel=f"{measure} (95% CI)",
            ),
            (7.0, 1.6 + 0.35 * (len(studies) + 2)),
            alt="pairwise forest plot",
            margins=LABELLED,
        )  # fmt: skip
    )
    if len(sub) < 3:
        out.append(Paragraph(f"A funnel plot needs at least 3 studies; {top} has {len(sub)}.",
                             "muted"))  # fmt: skip
        return out
    out.append(
        Figure(
            f"{name}-funnel",
            f"Funnel plot of {top}: estimate against standard error, pseudo-95% limits around the "
            "common-effect mean, and Egger's regression line.",
            lambda ax: plots.funnel(
                sub[est], sub["_vi"], ax, title=f"{top}: funnel plot", xlabel=measure
            ),
            (5.5, 4.2),
            alt="funnel plot",
            margins={"left": 0.15, "bottom": 0.13},
        )  # fmt: skip
    )
    return out
