"""The evidence section: the studies, their risk of bias, the search, the published figures.

* :func:`risk_of_bias_frame` gathers one RoB 2 row per study: trials with
  individual data take their manifest's ``risk_of_bias`` as the overall
  judgement; published studies take the literature tables' ``risk_of_bias``
  column and the domain columns where given (``randomisation``,
  ``deviations``, ``missing_data``, ``measurement``, ``selection``, also
  accepted with a ``rob_`` prefix). A study whose rows disagree gets its most
  severe judgement per domain, as RoB 2's overall rule (Sterne et al. 2019)
  takes the worst domain.
* The PRISMA 2020 flow is drawn when the study records its search:
  ``study.metadata["prisma"]`` (a ``[prisma]`` table of study.toml: the fields
  of :class:`kneestudy.plots.prisma.PrismaCounts`) or
  ``study.metadata["searches"]`` (search records with ``records_found`` and
  ``excluded`` reasons).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kneestudy.plots.bias import DOMAINS, judgement
from kneestudy.plots.labels import intervention_label
from kneestudy.report import format as fmt
from kneestudy.report.content import Column, Figure, Heading, Paragraph, Problem, Table

__all__ = ["evidence_blocks", "prisma_counts", "risk_of_bias_frame", "studies_frame"]

_SEVERITY = {"low": 0, "some_concerns": 1, "no_information": 2, "high": 3}


def _literature(study: Any) -> pd.DataFrame:
    frames = []
    for kind, frame in (("contrast", study.contrasts), ("arm summary", study.arm_summaries)):
        if isinstance(frame, pd.DataFrame) and len(frame) and "study_id" in frame:
            frames.append(frame.assign(_kind=kind))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _worst(values: Any) -> str | None:
    found = [judgement(v) for v in values]
    found = [f for f in found if f is not None]
    return max(found, key=_SEVERITY.__getitem__) if found else None


def risk_of_bias_frame(study: Any) -> pd.DataFrame:
    """One row per study: ``study``, ``origin`` and the RoB 2 judgement columns (None = not given)."""
    rows = []
    for c in study.cohorts:
        r: dict[str, Any] = {"study": c.title, "study_id": c.cohort_id,
                             "origin": "synthetic trial" if c.is_synthetic else "trial data"}  # fmt: skip
        for col, _, _ in DOMAINS:
            r[col] = None
        r["overall"] = judgement(c.manifest.risk_of_bias)
        rows.append(r)
    lit = _literature(study)
    if len(lit):
        for sid, g in lit.groupby("study_id", sort=False):
            r = {"study": str(sid), "study_id": str(sid), "origin": "published"}
            for col, _, _ in DOMAINS:
                names = [n for n in (col, f"rob_{col}") if n in g]
                if col == "overall":
                    names = [n for n in ("rob_overall", "overall", "risk_of_bias") if n in g]
                r[col] = _worst(v for n in names for v in g[n]) if names else None
            rows.append(r)
    cols = ["study", "study_id", "origin", *(d[0] for d in DOMAINS)]
    return pd.DataFrame(rows, columns=cols)


def studies_frame(study: Any) -> pd.DataFrame:
    """One row per study: what it compared, outcomes and weeks, participants, source, RoB."""
    rob = risk_of_bias_frame(study).set_index("study_id")["overall"].to_dict()
    rows = []
    for c in study.cohorts:
        arms = c.arms
        rows.append({
            "study": c.title,
            "origin": "synthetic trial" if c.is_synthetic else "trial data",
            "compared": " vs ".join(intervention_label(x) for x in arms["intervention"]),
            "outcomes": ", ".join(o for o in ("pain", "akps", "grc") if o in c.visits
                                  and c.visits[o].notna().any()),
            "weeks": ", ".join(fmt.weeks(w) for w in c.manifest.visit_weeks),
            "participants": float(len(c.participants)),
            "source": c.manifest.source,
            "risk_of_bias": _rob_label(rob.get(c.cohort_id)),
        })  # fmt: skip
    lit = _literature(study)
    for sid, g in lit.groupby("study_id", sort=False) if len(lit) else []:
        pairs = []
        if "treatment" in g:
            for t, k in (
                g[["treatment", "comparator"]].dropna().drop_duplicates().itertuples(index=False)
            ):
                pairs.append(f"{intervention_label(t)} vs {intervention_label(k)}")
        if "intervention" in g:
            arms = g.loc[g["_kind"] == "arm summary", "intervention"].dropna().unique()
            if len(arms):
                pairs.append(" vs ".join(intervention_label(a) for a in arms))
        n = math.nan
        if "n" in g and g["n"].notna().any():
            first = g[g["_kind"] == "arm summary"]
            n = float(first.groupby("arm")["n"].max().sum()) if len(first) else math.nan
        rows.append({
            "study": str(sid),
            "origin": "published",
            "compared": "; ".join(dict.fromkeys(pairs)),
            "outcomes": ", ".join(dict.fromkeys(g["outcome"].astype(str))),
            "weeks": ", ".join(dict.fromkeys(fmt.weeks(w) for w in g["week"])),
            "participants": n,
            "source": "; ".join(dict.fromkeys(str(s) for s in g.get("source", pd.Series(
                dtype=object)).dropna())),
            "risk_of_bias": _rob_label(rob.get(str(sid))),
        })  # fmt: skip
    return pd.DataFrame(rows)


def prisma_counts(study: Any) -> Any:
    """The study's PRISMA counts (or None when it records no search)."""
    from kneestudy.plots.prisma import PrismaCounts

    meta = getattr(study, "metadata", {}) or {}
    if isinstance(meta.get("prisma"), PrismaCounts):
        return meta["prisma"]
    if isinstance(meta.get("prisma"), dict):
        return PrismaCounts.from_mapping(meta["prisma"])
    if meta.get("searches"):
        n = len(evidence_ids(study))
        return PrismaCounts.from_searches(meta["searches"], studies_included=n)
    return None


def evidence_ids(study: Any) -> list[str]:
    lit = _literature(study)
    return list(dict.fromkeys(lit["study_id"].astype(str))) if len(lit) else []


def _rob_label(v: Any) -> str:
    return "not reported" if v is None or (isinstance(v, float) and math.isnan(v)) else \
        str(v).replace("_", " ")  # fmt: skip


def _published_contrasts(study: Any) -> list[Any]:
    c = study.contrasts
    if not isinstance(c, pd.DataFrame) or not len(c):
        return []
    c = c.copy()
    ratio = c["measure"].astype(str).str.startswith("log")
    z = 1.959963984540054
    est, se = c["estimate"].astype(float), c["se"].astype(float)
    lo, hi = est - z * se, est + z * se
    c["shown_measure"] = c["measure"].astype(str).str.replace("log", "", regex=False)
    c["shown"] = est.where(~ratio, est.map(math.exp))
    c["shown_lo"] = lo.where(~ratio, lo.map(math.exp))
    c["shown_hi"] = hi.where(~ratio, hi.map(math.exp))
    # the figure as the paper prints it, where the row records it
    if "published_estimate" in c:
        printed = c["published_estimate"].notna()
        c.loc[printed, "shown"] = c.loc[printed, "published_estimate"].astype(float)
        for ours, theirs in (("shown_lo", "published_ci_low"), ("shown_hi", "published_ci_high")):
            if theirs in c:
                c.loc[printed, ours] = c.loc[printed, theirs].astype(float)
        if "published_measure" in c:
            c.loc[printed, "shown_measure"] = c.loc[printed, "published_measure"].astype(str)
    c["reference"] = _references(c)
    c["comparison"] = [f"{intervention_label(t)} vs {intervention_label(k)}"
                       for t, k in zip(c["treatment"], c["comparator"], strict=True)]  # fmt: skip
    return [
        Table(
            "evidence-contrasts",
            "Published between-arm estimates: treatment against comparator, as used",
            c,
            _with_reference(
                c,
                [
                    Column("study_id", "Study", style="text"),
                    Column("comparison", "Comparison", style="text"),
                    Column("outcome", "Outcome", style="text"),
                    Column("week", "Week", style="weeks"),
                    Column("shown_measure", "Measure", style="text"),
                    Column(
                        "shown",
                        "Estimate (95% CI)",
                        style="estimate_ci",
                        fields=("shown", "shown_lo", "shown_hi"),
                    ),
                    Column("source", "Source", style="text"),
                ],
            ),  # fmt: skip
            direction="Differences are treatment minus comparator: for pain negative favours "
            "the treatment; ratios above 1 favour it for recovery.",
            notes=(
                "As published where the row records the printed figure; otherwise the "
                "estimate ± 1.96 SE on the analysis scale (log scale for ratios), which can "
                "differ in the last digit from the paper.",
            ),
        )  # fmt: skip
    ]


def _references(frame: pd.DataFrame) -> list[str]:
    """ "doi:…" / "PMID …" of each row (empty when the row records neither)."""
    out = []
    for rec in frame.to_dict("records"):
        parts = []
        if not fmt.is_missing(rec.get("doi")):
            parts.append(f"doi:{rec['doi']}")
        if not fmt.is_missing(rec.get("pmid")):
            parts.append(f"PMID {rec['pmid']}")
        out.append("; ".join(parts))
    return out


def _with_reference(frame: pd.DataFrame, cols: list[Column]) -> tuple[Column, ...]:
    """The columns, and a DOI / PMID column when any row records one."""
    if frame["reference"].astype(bool).any():
        cols.append(Column("reference", "DOI / PMID", style="text"))
    return tuple(cols)


def _published_arms(study: Any) -> list[Any]:
    a = study.arm_summaries
    if not isinstance(a, pd.DataFrame) or not len(a):
        return []
    a = a.copy()
    a["summary_kind"] = ["n_pct" if pd.notna(e) else "mean_sd" for e in a["events"]]
    a["v1"] = a["events"].astype(float).where(a["events"].notna(), a["mean"].astype(float))
    a["v2"] = a["n"].astype(float).where(a["events"].notna(), a["sd"].astype(float))
    a["v3"] = math.nan
    a["what"] = ["change" if bool(ch) else "value" for ch in a["change"].fillna(False)]
    a["reference"] = _references(a)
    return [
        Table(
            "evidence-arms",
            "Published arm-level results: mean (SD) or participants with the event, n (%)",
            a,
            _with_reference(
                a,
                [
                    Column("study_id", "Study", style="text"),
                    Column("arm", "Arm", style="text"),
                    Column("outcome", "Outcome", style="text"),
                    Column("week", "Week", style="weeks"),
                    Column("n", "n", style="count"),
                    Column(
                        "v1",
                        "Mean (SD) or events (%)",
                        style="summary",
                        digits=1,
                        fields=("summary_kind", "v1", "v2", "v3"),
                    ),
                    Column("what", "Value or change", style="text"),
                ],
            ),  # fmt: skip
        )
    ]


def evidence_blocks(study: Any) -> list[Any]:
    """Studies table, risk-of-bias plots, PRISMA flow, published figures."""
    from kneestudy import plots
    from kneestudy.plots.bias import summary_size, traffic_light_size

    out: list[Any] = []
    frame = studies_frame(study)
    if len(frame):
        out.append(
            Table(
                "evidence-studies",
                f"The {len(frame)} studies of this report: what each compared, the outcomes "
                "and weeks it reports, and its risk of bias",
                frame,
                (
                    Column("study", "Study", style="text"),
                    Column("origin", "Data", style="text"),
                    Column("compared", "Compared", style="text"),
                    Column("outcomes", "Outcomes", style="text"),
                    Column("weeks", "Weeks", style="text"),
                    Column("participants", "Participants", style="count"),
                    Column("risk_of_bias", "Risk of bias", style="text"),
                ),
                notes=(
                    "Participants: randomised (trial data) or analysed in the published arm "
                    "figures; – : not reported.",
                ),
            )  # fmt: skip
        )
    rob = risk_of_bias_frame(study)
    judged = rob[[d[0] for d in DOMAINS]].notna().any(axis=1)
    out.append(Heading("Risk of bias", "risk-of-bias"))
    if judged.sum() >= 2:
        n_dom = max(1, sum(bool(rob[d[0]].notna().any()) for d in DOMAINS))
        size = traffic_light_size(len(rob), n_dom)
        out.append(
            Figure(
                "evidence-risk-of-bias-traffic-light",
                "Risk of bias of each study by RoB 2 domain; grey: domain not reported.",
                lambda ax: plots.risk_of_bias_traffic_light(rob, ax),
                size,
                alt="risk-of-bias traffic-light plot",
                margins={
                    "left": 2.7 / size[0],
                    "right": 0.98,
                    "top": 1 - 0.35 / size[1],
                    "bottom": 0.02,
                },
            )  # fmt: skip
        )
        ssize = summary_size(n_dom)
        out.append(
            Figure(
                "evidence-risk-of-bias-summary",
                "Share of studies at each risk-of-bias judgement, by RoB 2 domain (each study "
                "counted once).",
                lambda ax: plots.risk_of_bias_summary(rob, ax),
                ssize,
                alt="risk-of-bias summary plot",
                margins={
                    "left": 0.37,
                    "right": 0.97,
                    "top": 1 - 0.35 / ssize[1],
                    "bottom": 0.95 / ssize[1],
                },
            )  # fmt: skip
        )
    else:
        out.append(Paragraph("Fewer than two studies have a risk-of-bias judgement: no plot.",
                             "muted"))  # fmt: skip
    try:
        counts = prisma_counts(study)
    except (TypeError, ValueError) as exc:
        counts = None
        out.append(Problem("The PRISMA flow diagram", str(exc)))
    if counts is not None:
        from kneestudy.plots.prisma import prisma_size

        size = prisma_size(counts)
        out.append(Heading("Search and selection", "prisma"))
        out.append(
            Figure(
                "evidence-prisma-flow",
                "Flow of records and studies through the search (PRISMA 2020); stages not "
                "recorded are marked as not reported.",
                lambda ax: plots.prisma(counts, ax),
                size,
                alt="PRISMA flow diagram",
                margins={"left": 0.01, "right": 0.99, "top": 1 - 0.4 / size[1], "bottom": 0.01},
            )
        )
    published = _published_contrasts(study) + _published_arms(study)
    if published:
        out.append(Heading("Published figures", "published"))
        out.extend(published)
    return out
