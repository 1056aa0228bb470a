"""Study-level sections: summary, eight-idea comparison, validation, methods, provenance."""

from __future__ import annotations

import math
import platform
from importlib import metadata
from typing import Any

import pandas as pd
from markupsafe import Markup

from kneestudy.report._html import DIAGRAM, LABELLED, esc, figure_svg, items, note, para, table
from kneestudy.report.cohort import Settings, attempt

__all__ = [
    "comparison_section",
    "file_hashes",
    "methods_section",
    "package_versions",
    "provenance_section",
    "summary_section",
    "validation_section",
]

_PACKAGES = (
    "kneestudy",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "pandera",
    "matplotlib",
    "jinja2",
)

_VERDICT_WORDS = {
    "high": "we are fairly sure",
    "moderate": "we are moderately sure",
    "low": "we are not very sure",
    "very_low": "we are very unsure",
    "very low": "we are very unsure",
}


def _fmt(x: Any, d: int = 2) -> str:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "–" if not math.isfinite(f) else f"{f:.{d}f}"


def summary_section(study: Any, comparison: Any, outcome: str, week: float) -> Markup:
    """Plain-language summary: which ideas help most and how sure we are."""
    synthetic = [c for c in study.cohorts if c.is_synthetic]
    out: list[Markup] = []
    if synthetic:
        out.append(
            Markup(
                '<p class="synthetic-warning"><span class="badge synthetic">Synthetic data</span> '
            )
            + Markup(
                esc(
                    f"{len(synthetic)} of {len(study.cohorts)} cohorts in this report are "
                    "simulated, not real trials. Their numbers show how the analysis works; "
                    "they are not evidence about runner's knee."
                )
            )
            + Markup("</p>")
        )
    if comparison is None:
        out.append(para("The comparison of the ideas could not be computed (see below)."))
        out.extend(_side_effect_claims(study))
        return Markup("").join(out)
    t = comparison.table.copy()
    measure = str(getattr(comparison, "measure", "effect"))
    reference = str(getattr(comparison, "reference", "control"))
    ranked = t.dropna(subset=["estimate"]).sort_values("rank", kind="stable")
    lines = []
    for row in ranked.itertuples(index=False):
        d = row._asdict()
        sure = _VERDICT_WORDS.get(str(d.get("certainty", "")).lower(), "certainty not rated")
        lines.append(
            f"{d['label']}: {_MEASURES.get(measure, measure).lower()} {_fmt(d['estimate'])} in "
            f"{outcome} at week {week:g} vs {reference} (95% CI {_fmt(d['ci_low'])} to "
            f"{_fmt(d['ci_high'])}); certainty {d.get('certainty', '–')}, {sure}. "
            f"{d.get('verdict', '')}".strip()
        )
    missing = t[t["estimate"].isna()]["label"].tolist()
    if len(ranked):
        best = ranked.iloc[0]
        out.append(
            para(
                f"Of the ideas with data, {best['label']} ranks first (P-score "
                f"{_fmt(best.get('p_score'))}). Effects are {_MEASURES.get(measure, measure).lower()}s "
                f"from {reference}"
                + ("; for pain a negative number means less pain" if outcome == "pain" else "")
                + ". Ranks alone overstate differences: read them with the intervals and the "
                "certainty."
            )
        )
    out.append(items(lines))
    if missing:
        out.append(note("No data on: " + ", ".join(map(str, missing)) + "."))
    out.extend(_side_effect_claims(study))
    return Markup("").join(out)


def _side_effect_claims(study: Any) -> list[Markup]:
    """Glucosamine is said to have "no known side effects": what the cohorts show."""
    from kneestudy.effects.safety import adverse_events

    lines = []
    for c in study.cohorts:
        if c.adverse_events is None:
            continue
        arms = c.arms.drop_duplicates("intervention")
        gluc = arms.loc[arms["idea"] == "glucosamine", "intervention"].tolist()
        if not gluc or not arms["is_comparator"].any():
            continue
        ae = adverse_events(c).set_index("intervention")  # one row per intervention code
        comp = str(arms.loc[arms["is_comparator"], "intervention"].iloc[0])
        for code in gluc:
            r = ae.loc[code]
            lines.append(
                f"{c.title}: {int(r['with_event'])} of {int(r['n'])} on {r['arm']} "
                f"({100 * r['risk']:.0f}%) had at least one adverse event, against "
                f"{int(ae.loc[comp, 'with_event'])} of {int(ae.loc[comp, 'n'])} on "
                f"{ae.loc[comp, 'arm']}; "
                f"risk ratio {_fmt(r['rr'])} (95% CI {_fmt(r['rr_ci_low'])} to "
                f"{_fmt(r['rr_ci_high'])})."
            )
    if not lines:
        return []
    return [
        para(
            'Glucosamine is often said to have "no known side effects". Adverse events in '
            "the cohorts that test it:"
        ),
        items(lines),
    ]


def comparison_section(comparison: Any) -> Markup:
    """The eight ideas side by side: table, forest, ranking, network, league, certainty."""
    from kneestudy import plots

    t = comparison.table
    measure = getattr(comparison, "measure", "effect")
    outcome = getattr(comparison, "outcome", "pain")
    reference = getattr(comparison, "reference", "control")
    week = getattr(comparison, "week", None)
    when = f" at week {week:g}" if isinstance(week, (int, float)) else ""
    direction = "negative = less pain" if outcome == "pain" else "positive = better"
    xlabel = f"{_MEASURES.get(measure, measure)} in {outcome}{when} vs {reference} ({direction})"
    cols = [c for c in _TABLE_COLS if c in t.columns]
    out = [
        table(
            t[cols],
            digits=2,
            caption=f"The eight ideas against {reference} (random-effects network "
            f"meta-analysis; {measure}; PI = 95% prediction interval)",
        ),
        figure_svg(
            lambda ax: plots.network_forest(t, ax, comparator=reference, xlabel=xlabel),
            (7.5, 1.2 + 0.45 * len(t)),
            alt="forest plot of the ideas",
            margins={**LABELLED, "bottom": 0.6 / (1.2 + 0.45 * len(t)) + 0.05},
        ),
    ]
    if "p_score" in t and t["p_score"].notna().any():
        out.append(
            figure_svg(
                lambda ax: plots.ranking(t, ax),
                (6.5, 1.0 + 0.4 * len(t)),
                alt="P-score ranking",
                margins={**LABELLED, "bottom": 0.5 / (1.0 + 0.4 * len(t)) + 0.04},
            )
        )
    net = getattr(comparison, "network", None)
    if net is not None:
        nodes, edges = getattr(net, "nodes", None), getattr(net, "edges", None)
        if isinstance(nodes, pd.DataFrame) and isinstance(edges, pd.DataFrame) and len(nodes):
            out.append(
                figure_svg(
                    lambda ax: plots.network_graph(nodes, edges, ax),
                    (7.0, 6.2),
                    alt="network",
                    margins=DIAGRAM,
                )
            )
        league = getattr(net, "league", None)
        if isinstance(league, pd.DataFrame) and len(league):
            out.append(
                table(
                    league_matrix(league),
                    caption=f"League table ({measure}): row treatment minus column treatment, "
                    "estimate (95% CI)",
                    klass="data league",
                )
            )
    out.append(Markup('<h3 id="certainty">Certainty of the evidence</h3>'))
    cols = [c for c in ("label", "certainty", "reasons", "verdict") if c in t]
    out.append(table(t[cols], caption="Certainty (GRADE-style), the reasons, and verdict per idea"))
    out.extend(_pairwise(comparison))
    return Markup("").join(out)


_MEASURES = {"SMD": "Standardised mean difference", "MD": "Mean difference",
             "logOR": "Log odds ratio", "logRR": "Log risk ratio", "logHR": "Log hazard ratio"}  # fmt: skip
_TABLE_COLS = ("label", "studies", "participants", "estimate", "ci_low", "ci_high", "pi_low",
               "pi_high", "p_score", "rank", "certainty")  # fmt: skip


def league_matrix(league: pd.DataFrame) -> pd.DataFrame:
    """Long league table (treatment, comparator, estimate, ci_low, ci_high) as a matrix."""
    from kneestudy.plots.diagrams import _node_label

    if not {"treatment", "comparator", "estimate"} <= set(league.columns):
        return league.reset_index(drop=isinstance(league.index, pd.RangeIndex))
    names = list(dict.fromkeys([*league["treatment"], *league["comparator"]]))
    cell = {
        (r.treatment, r.comparator): f"{r.estimate:.2f} ({r.ci_low:.2f} to {r.ci_high:.2f})"
        if "ci_low" in league.columns
        else f"{r.estimate:.2f}"
        for r in league.itertuples(index=False)
    }
    rows = []
    for a in names:
        row = {"": _node_label(a)}
        for b in names:
            row[_node_label(b)] = _node_label(a) if a == b else cell.get((a, b), "")
        rows.append(row)
    return pd.DataFrame(rows)


def _pairwise(comparison: Any) -> list[Markup]:
    """Forest and funnel plot of the idea with the most direct contrasts."""
    from kneestudy import meta, plots

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
    from kneestudy.plots.diagrams import _node_label

    top = f"{_node_label(top_a)} vs {_node_label(top_b)}"
    pooled, err = attempt(f"Pooling of {top}", meta.pool, sub[est], sub["_vi"])
    se = sub["_vi"] ** 0.5
    studies = pd.DataFrame(
        {
            "label": sub["study_id"].astype(str) if "study_id" in sub else sub.index.astype(str),
            "estimate": sub[est].astype(float),
            "ci_low": sub[est].astype(float) - 1.959963984540054 * se,
            "ci_high": sub[est].astype(float) + 1.959963984540054 * se,
            # the pooled model's own weights (random effects), as metafor's forest()
            "weight": (
                pooled.studies["weight"].to_numpy()
                if pooled is not None
                else (1 / sub["_vi"]).to_numpy()
            ),
        }
    )
    out = [Markup(f'<h3 id="pairwise">Direct evidence: {esc(top)}</h3>'), err]
    out.append(
        figure_svg(
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
        )
    )
    if len(sub) < 3:
        out.append(note(f"A funnel plot needs at least 3 studies; {top} has {len(sub)}."))
        return out
    out.append(
        figure_svg(
            lambda ax: plots.funnel(
                sub[est], sub["_vi"], ax, title=f"{top}: funnel plot", xlabel=measure
            ),
            (5.5, 4.2),
            alt="funnel plot",
            margins={"left": 0.15, "bottom": 0.13},
        )
    )
    return out


def validation_section(study: Any) -> Markup:
    """Rows read, valid and set aside, per file."""
    # The study's report covers every file of the study, its cohorts' included.
    if getattr(study, "report", None) is not None:
        reports = [(study.study_id, study.report)]
    else:
        reports = [
            (c.cohort_id, c.report) for c in study.cohorts if getattr(c, "report", None) is not None
        ]
    if not reports:
        return note(
            "The data were not read from files (built in memory), so there is no validation "
            "report; in-memory cohorts are checked by each analysis."
        )
    frames = []
    for name, rep in reports:
        rows = getattr(rep, "rows", None)
        if isinstance(rows, pd.DataFrame) and len(rows):
            frames.append(rows.assign(source=name))
    out: list[Markup] = []
    if frames:
        allrows = pd.concat(frames, ignore_index=True)
        front = [c for c in ("file", "table", "read", "valid", "invalid") if c in allrows]
        if len(reports) > 1:
            front.insert(0, "source")
        out.append(table(allrows[front], caption="Rows read, valid and set aside per file"))
    n_fail = 0
    for _, rep in reports:
        f = getattr(rep, "failures", None)
        # every failure counts, also those beyond the cap of the failures listed
        n_fail += getattr(rep, "n_failures", len(f) if isinstance(f, pd.DataFrame) else 0)
    out.append(
        para(
            "Every file passed validation."
            if n_fail == 0
            else f"{n_fail} validation failures were found; failing rows were set aside "
            "and are not analysed."
        )
    )
    return Markup("").join(out)


def methods_section(settings: Settings, study: Any) -> Markup:
    """Methods written from the settings used, with references."""
    wk = "each cohort's primary week" if settings.week is None else f"week {settings.week:g}"
    used = settings.used

    def said(name: str, default: str) -> str:
        values = sorted(used.get(name, ())) or [default]
        return " / ".join(v.replace("_", " ") for v in values)

    cmp = used.get("comparison", {})
    text = [
        f"Outcome of the comparison, MMRM and responder analyses: {settings.outcome}; effects at "
        f"{wk}. Confidence intervals are {100 * settings.level:g}%.",
        "ANCOVA: the outcome at the week regressed on its baseline (week 0) value and arm by "
        "ordinary least squares (t intervals on the residual degrees of freedom); each "
        "treatment arm minus the comparator arm.",
        "MMRM: all post-baseline visits, outcome ~ visit + visit:arm + visit:baseline, "
        f"{said('mmrm_covariance', 'unstructured')} covariance, REML, Satterthwaite degrees "
        "of freedom (Mallinckrodt et al. 2008).",
        "Responders: pain drop ≥ 2 points or AKPS gain ≥ 10 points (Crossley et al. 2004); "
        "risk ratio, odds ratio, risk difference and number needed to treat (Altman 1998).",
        f"Pain-free: pain ≤ {settings.pain_free_threshold:g} on the 0–10 scale. Time to "
        "pain-free is known only between two visits; curves use the visit week "
        "(right-censored Kaplan–Meier, Greenwood variance, "
        f"{said('km_conf_type', 'log-log')} confidence intervals), log-rank test, Cox model "
        f"({said('cox_ties', 'efron')} ties) and restricted mean survival time up to the "
        "primary week (Royston & Parmar 2013).",
        "Baseline balance: standardised differences (Austin 2009). Adverse events: "
        "participants with at least one event, exact Clopper–Pearson intervals (Clopper & "
        "Pearson 1934), risk ratio with a log-scale (Katz) interval, 0.5 added to every cell "
        "when one is zero, and Fisher's exact test.",
        "Comparison of the ideas: "
        + ("random-effects" if cmp.get("random", True) else "common-effect")
        + f" network meta-analysis ({cmp.get('measure', 'effect')} against "
        f"{cmp.get('reference', 'control')}) of the individual-data cohorts and published "
        "contrasts, P-scores (Rücker & Schwarzer 2015), certainty rated in the GRADE spirit "
        "(Puhan et al. 2014). Pairwise pooling: REML with prediction intervals (Riley et al. "
        "2011); funnel asymmetry shown by Egger's regression line (Egger et al. 1997).",
    ]
    refs = [
        "Altman DG (1998). Confidence intervals for the number needed to treat. BMJ 317:1309.",
        "Austin PC (2009). Balance diagnostics… Stat Med 28:3083.",
        "Clopper CJ, Pearson ES (1934). Biometrika 26:404.",
        "Crossley KM et al. (2004). Arch Phys Med Rehabil 85:815.",
        "Egger M et al. (1997). Bias in meta-analysis detected by a simple graphical test. "
        "BMJ 315:629.",
        "Mallinckrodt CH et al. (2008). Recommendations for the primary analysis of continuous "
        "endpoints in longitudinal clinical trials. Drug Inf J 42:303.",
        "Puhan MA et al. (2014). A GRADE Working Group approach for rating the quality of "
        "treatment effect estimates from network meta-analysis. BMJ 349:g5630.",
        "Riley RD, Higgins JPT, Deeks JJ (2011). Interpretation of random effects "
        "meta-analyses. BMJ 342:d549.",
        "Royston P, Parmar MKB (2013). Restricted mean survival time. BMC Med Res Methodol 13:152.",
        "Rücker G, Schwarzer G (2015). Ranking treatments in frequentist network "
        "meta-analysis works without resampling methods. BMC Med Res Methodol 15:58.",
    ]
    return (
        Markup("").join(para(t) for t in text)
        + Markup('<h3 id="references">References</h3>')
        + items(refs)
    )


def file_hashes(study: Any) -> pd.DataFrame:
    """SHA-256 of the files the study uses (see :func:`kneestudy.ingest.provenance.file_hashes`)."""
    from kneestudy.ingest.provenance import file_hashes as hashes

    return hashes(study)


def package_versions() -> pd.DataFrame:
    rows = [{"package": "python", "version": platform.python_version()}]
    for name in _PACKAGES:
        try:
            rows.append({"package": name, "version": metadata.version(name)})
        except metadata.PackageNotFoundError:
            rows.append({"package": name, "version": "not installed"})
    return pd.DataFrame(rows)


def provenance_section(study: Any, *, command: str | None, seed: int | None, date: str) -> Markup:
    """Input files with SHA-256, package versions, seed, command and date."""
    from kneestudy.ingest.provenance import mapping_table

    hashes = file_hashes(study)
    mapping = mapping_table(study)
    seeds = sorted({c.manifest.seed for c in study.cohorts if c.manifest.seed is not None})
    out = [
        Markup('<dl class="provenance">'),
        Markup(f"<dt>Study</dt><dd>{esc(study.study_id)} — {esc(study.title)}</dd>"),
        Markup(
            f"<dt>Command</dt><dd><code>{esc(command or 'kneestudy.report.write_html')}</code></dd>"
        ),
        Markup(f"<dt>Seed</dt><dd>{esc(seed if seed is not None else 'none given')}"),
        Markup(esc(f"; cohort simulation seeds: {', '.join(map(str, seeds))}") if seeds else ""),
        Markup("</dd>"),
        # The date is the only line that differs between two runs on the same input.
        Markup(f'\n<dt>Date</dt><dd class="date">{esc(date)}</dd>\n'),
        Markup("</dl>"),
    ]
    if len(hashes):
        shown = hashes if hashes["note"].astype(bool).any() else hashes.drop(columns="note")
        out.append(table(shown, caption="Input files (SHA-256)", klass="data hashes"))
    else:
        out.append(note("The study was built in memory; there are no input files to hash."))
    if len(mapping):
        out.append(
            table(
                mapping,
                caption="Mapping of the files onto the data model (from each cohort.toml)",
                klass="data mapping",
            )
        )
    out.append(table(package_versions(), caption="Software versions"))
    return Markup("").join(out)
