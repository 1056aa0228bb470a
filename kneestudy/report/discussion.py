"""Discussion: the evidence base's findings against what others published.

The published statements are data (``datasets/data/evidence/discussion.toml``):
each a verbatim quote with its source, DOI, where it was read, the ideas it is
read as being about and what it says of them (benefit, uncertain, no
difference, not recommended), and the outcomes and windows of the evidence
base it is compared with. :func:`compare_with_published` sets each statement
against this evidence base's finding for the idea, in code:

* **our direction** (:func:`direction_of`): *benefit* or *harm* when the 95% CI
  excludes no effect and the estimate reaches the MCID (*small benefit* /
  *small harm* when it does not: GRADE's "little or no difference" wording
  then applies to the estimate), *little or no difference* when the whole CI
  lies within the MCID either side of 0, else *inconclusive* (the CI holds
  both no effect and an important effect); *not estimable* or *no evidence*
  otherwise. Of the outcomes and windows a statement names, the finding with
  the highest certainty (then the most studies) is compared.
* **agreement** (:func:`agreement`): a statement of benefit *agrees* with a
  finding of benefit, *partly agrees* with a small benefit, is *not
  confirmed* by an inconclusive one and is *contradicted* by little or no
  difference or harm; a statement of uncertainty agrees with an inconclusive
  finding or one of low or very low certainty, and is contradicted by a clear
  finding of moderate or high certainty; a statement of no difference (or not
  recommended) agrees with any finding but an important benefit or harm. A finding of very low
  certainty ("we are very uncertain", Santesso et al. 2020) contradicts
  nothing: it does *not confirm*. No evidence or a component not estimable:
  *cannot compare*.
* **reasons** (:func:`reasons`): why a statement is not confirmed or is
  contradicted, from the data — the statement is about a whole combination
  while the additive model credits the idea with its own component only; the
  finding rests on indirect populations; the estimate is imprecise (few
  trials, CI including no effect); its certainty is low.

:func:`discussion_table` is the per-idea table of the report (consensus says,
the living network meta-analysis says, we find, agreement, reasons).

References
----------
Collins NJ, Barton CJ, van Middelkoop M, et al. (2018). 2018 Consensus
statement on exercise therapy and physical interventions (orthoses, taping
and manual therapy) to treat patellofemoral pain. *Br J Sports Med*
52:1170. Winters M, Holden S, Lura CB, et al. (2021). Comparative
effectiveness of treatments for patellofemoral pain: a living systematic
review with network meta-analysis. *Br J Sports Med* 55:369–377.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kneestudy.interventions import IDEAS

__all__ = [
    "STATEMENT_COLUMNS",
    "agreement",
    "compare_with_published",
    "direction_of",
    "discussion_blocks",
    "discussion_table",
    "not_read",
    "published_statements",
    "read_discussion",
    "reasons",
]

STATEMENT_COLUMNS = [
    "key", "source", "source_short", "citation", "doi", "pmid", "source_certainty", "url",
    "location", "quote", "direction", "outcomes", "windows", "combination", "window_note",
    "idea", "says", "mapping",
]  # fmt: skip
_LEVEL = {"high": 0, "moderate": 1, "low": 2, "very low": 3}
_SHORT = {"collins2018": "Consensus", "winters2021": "Winters"}
_OUTCOME_WORDS = {"pain": "pain", "akps": "function (AKPS)", "recovered": "recovery",
                  "function": "function"}  # fmt: skip


def _path(path: str | Path | None) -> Path:
    if path is not None:
        return Path(path)
    from kneestudy.datasets import evidence_path

    return evidence_path() / "discussion.toml"


def read_discussion(path: str | Path | None = None) -> dict[str, Any]:
    """The parsed discussion file (default: the evidence base's ``discussion.toml``)."""
    return tomllib.loads(_path(path).read_text(encoding="utf-8"))


def published_statements(path: str | Path | None = None) -> pd.DataFrame:
    """One row per statement and idea it is about (``idea`` "" for a statement about none).

    Columns: :data:`STATEMENT_COLUMNS`; ``outcomes`` and ``windows`` are tuples.
    """
    data = read_discussion(path)
    sources = {s["key"]: s for s in data.get("sources", [])}
    rows = []
    for st in data.get("statements", []):
        src = sources[st["source"]]
        base = {
            "key": st["key"], "source": st["source"], "source_short": src["short"],
            "citation": src["citation"], "doi": src.get("doi"), "pmid": src.get("pmid"),
            "source_certainty": src.get("certainty", ""), "url": st.get("url"),
            "location": st.get("location", ""), "quote": " ".join(str(st["quote"]).split()),
            "direction": st["direction"], "outcomes": tuple(st.get("outcomes", ())),
            "windows": tuple(st.get("windows", ())), "combination": bool(st.get("combination")),
            "window_note": st.get("window_note", ""),
        }  # fmt: skip
        ideas = st.get("ideas", [])
        if not ideas:
            rows.append({**base, "idea": "", "says": "", "mapping": st.get("unmapped", "")})
        for item in ideas:
            rows.append({**base, "idea": item["idea"], "says": item["says"],
                         "mapping": item.get("mapping", "")})  # fmt: skip
    return pd.DataFrame(rows, columns=STATEMENT_COLUMNS)


def not_read(path: str | Path | None = None) -> pd.DataFrame:
    """What was looked for in the published sources and could not be read, and why."""
    data = read_discussion(path)
    sources = {s["key"]: s for s in data.get("sources", [])}
    rows = [{"source": sources[r["source"]]["short"], "wanted": r["wanted"], "why": r["why"]}
            for r in data.get("not_read", [])]  # fmt: skip
    return pd.DataFrame(rows, columns=["source", "wanted", "why"])


def direction_of(row: Any, cmp: Any) -> str:
    """benefit | small benefit | harm | small harm | little or no difference | inconclusive |
    not estimable | no evidence (module docstring; "small": the CI excludes no effect but the
    estimate is within the MCID)."""
    status = str(row.get("status", ""))
    if status != "estimated":
        return status or "no evidence"
    est, lo, hi = float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"])
    lower_better = cmp.outcome == "pain"
    m = float(cmp.mcid)
    important = abs(est) >= m
    if (hi < 0) if lower_better else (lo > 0):
        return "benefit" if important else "small benefit"
    if (lo > 0) if lower_better else (hi < 0):
        return "harm" if important else "small harm"
    if -m < lo and hi < m:
        return "little or no difference"
    return "inconclusive"


def _finding(runs: Sequence[Any], idea: str, outcomes: Sequence[str],
             windows: Sequence[str]) -> dict[str, Any] | None:  # fmt: skip
    """This evidence base's best finding for ``idea`` among the named outcomes and windows."""
    found = []
    for r in runs:
        if r.result is None or r.outcome not in outcomes or r.window not in windows:
            continue
        t = r.result.table.set_index("idea")
        if idea not in t.index:
            continue
        row = t.loc[idea]
        d = direction_of(row, r.result)
        rank = (0 if d not in ("no evidence", "not estimable") else 1 if d == "not estimable"
                else 2, _LEVEL.get(str(row.get("certainty")), 4), -float(row.get("studies") or 0))  # fmt: skip
        found.append((rank, len(found), r, row, d))
    if not found:
        return None
    _, _, r, row, d = min(found, key=lambda x: (x[0], x[1]))
    return {"run": r, "row": row, "direction": d, "certainty": str(row.get("certainty") or "")}


def _finding_text(f: dict[str, Any] | None) -> str:
    if f is None:
        return "no comparison of this outcome"
    r, row, d = f["run"], f["row"], f["direction"]
    if d in ("no evidence", "not estimable"):
        return f"{r.label}: {d}"
    from kneestudy.report import format as fmt

    cmp = r.result
    ratio = str(cmp.measure).startswith("log")
    vals = [float(row[c]) for c in ("estimate", "ci_low", "ci_high")]
    if ratio:
        vals = [math.exp(v) if v < 700 else math.inf for v in vals]
    size = ("OR " if cmp.measure == "logOR" else "HR " if cmp.measure == "logHR" else "MD ") + \
        fmt.estimate_ci(*vals, digits=2 if ratio else 1)  # fmt: skip
    k = int(row.get("studies") or 0)
    return (f"{r.label}: {d}, {f['certainty']} certainty ({size}; {k} "
            f"stud{'y' if k == 1 else 'ies'})")  # fmt: skip


def agreement(published: str, ours: str, certainty: str) -> str:
    """agrees | not confirmed | contradicted | cannot compare (module docstring)."""
    if ours in ("no evidence", "not estimable", ""):
        return "cannot compare"
    low = certainty in ("low", "very low")
    # a finding we are very uncertain about confirms nothing and contradicts nothing
    against = "not confirmed" if certainty == "very low" else "contradicted"
    if published == "benefit":
        return {"benefit": "agrees", "small benefit": "partly agrees",
                "inconclusive": "not confirmed"}.get(ours, against)  # fmt: skip
    if published == "uncertain":
        return "agrees" if ours == "inconclusive" or low else "contradicted"
    if published in ("no difference", "not recommended"):
        return "contradicted" if ours in ("benefit", "harm") and not certainty == "very low" \
            else "not confirmed" if ours in ("benefit", "harm") else "agrees"  # fmt: skip
    return "cannot compare"


def reasons(statement: Any, f: dict[str, Any] | None, exclusions: int | None = None) -> str:
    """Why a statement is not confirmed or contradicted (module docstring), from the data."""
    if f is None:
        return "the evidence base has no comparison of this outcome and window"
    d, r, row = f["direction"], f["run"], f["row"]
    words = " or ".join(_OUTCOME_WORDS.get(o, o) for o in statement["outcomes"])
    if d == "no evidence":
        text = f"no trial in the evidence base gives a usable figure on {words} for this idea"
        if exclusions:
            text += (f" ({exclusions} records of the searches were left out for want of usable "
                     "numbers)")  # fmt: skip
        return text
    if d == "not estimable":
        return ("the idea was tested only together with components the network cannot separate "
                "it from")  # fmt: skip
    out = []
    active = _active_comparators(r.result, str(row.name))
    if active:
        out.append("in these trials the comparison arm was itself active ("
                   + ", ".join(active) + "), so the estimate is the idea's effect added to or "
                   "instead of it, not against no treatment")  # fmt: skip
    if statement.get("combination"):
        out.append("they compared whole combinations (with education, exercise or taping) "
                   "against wait and see or education; the additive model credits the idea with "
                   "its own component only, against inactive control")  # fmt: skip
    cert = r.result.certainty
    ind = cert[(cert["idea"] == row.name) & (cert["domain"] == "indirectness")]
    if len(ind) and int(ind["downgrade"].iloc[0]) > 0:
        why = re.sub(r"^by contribution to the estimate: | \(average score [\d.]+\)", "",
                     str(ind["reason"].iloc[0]))  # fmt: skip
        out.append("indirect evidence: " + why)
    if d == "inconclusive":
        k = int(row.get("studies") or 0)
        n = row.get("participants")
        n_text = f", {int(n)} participants" if n == n and n else ""
        out.append(f"imprecise: {k} stud{'y' if k == 1 else 'ies'}{n_text}, and the 95% CI "
                   "includes both no effect and an important effect")  # fmt: skip
    if f["certainty"] in ("low", "very low"):
        out.append(f"our certainty is {f['certainty']}")
    if statement.get("window_note"):
        out.append(str(statement["window_note"]))
    if not out:
        k = int(row.get("studies") or 0)
        out.append(f"different evidence: the finding here rests on {k} "
                   f"stud{'y' if k == 1 else 'ies'}, the published one on more trials than "
                   "this evidence base could extract")  # fmt: skip
    return "; ".join(out)


def _active_comparators(cmp: Any, idea: str) -> list[str]:
    """Active components of the arms the idea was compared with (rows used), by label."""
    from kneestudy.plots.labels import intervention_label

    c = cmp.contrasts
    c = c[c["status"] == "used"]
    out: set[str] = set()
    for a, b in zip(c["components_treatment"], c["components_comparator"], strict=True):
        sa, sb = set(str(a).split("+")) - {""}, set(str(b).split("+")) - {""}
        if (idea in sa) == (idea in sb):
            continue
        other = (sb if idea in sa else sa) - {idea}
        out.update(intervention_label(x).lower() for x in other)
    return sorted(out)


def compare_with_published(
    runs: Sequence[Any], statements: pd.DataFrame | None = None, *, exclusions: int | None = None
) -> pd.DataFrame:
    """Each published statement about an idea against this evidence base's finding.

    Parameters
    ----------
    runs : sequence of ComparisonRun
        From :func:`kneestudy.report.comparison.run_comparisons`.
    statements : DataFrame, optional
        :func:`published_statements` (default: the evidence base's file).
    exclusions : int, optional
        Records the searches left out for want of usable numbers (named in the
        reason when an idea has no evidence).

    Returns
    -------
    DataFrame
        One row per statement and idea: idea, label, source, source_short,
        key, says, their_direction, source_certainty, compared_with (outcome
        and window of our finding), our_direction, our_certainty, we_find,
        agreement, reason.
    """
    st = statements if statements is not None else published_statements()
    rows = []
    for s in st[st["idea"].astype(str) != ""].to_dict("records"):
        if s["direction"] == "certainty":
            continue
        f = _finding(runs, s["idea"], s["outcomes"], s["windows"])
        ours = f["direction"] if f else ""
        cert = f["certainty"] if f else ""
        agree = agreement(s["direction"], ours, cert)
        rows.append({
            "idea": s["idea"], "label": IDEAS[s["idea"]].label if s["idea"] in IDEAS else s["idea"],
            "source": s["source"], "source_short": s["source_short"], "key": s["key"],
            "says": s["says"], "their_direction": s["direction"],
            "source_certainty": s["source_certainty"],
            "compared_with": f["run"].label if f else "", "our_direction": ours,
            "our_certainty": cert, "we_find": _finding_text(f), "agreement": agree,
            "reason": "" if agree == "agrees" else reasons(s, f, exclusions),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=[
        "idea", "label", "source", "source_short", "key", "says", "their_direction",
        "source_certainty", "compared_with", "our_direction", "our_certainty", "we_find",
        "agreement", "reason"])  # fmt: skip


def discussion_table(long: pd.DataFrame, runs: Sequence[Any] | None = None) -> pd.DataFrame:
    """Per idea (all eight, registry order): what each source says, what we find, agreement.

    ``long`` is :func:`compare_with_published`; an idea no statement is about
    reads "not addressed", and (with ``runs``) its own best finding is shown.
    """
    rows = []
    for code, idea in IDEAS.items():
        g = long[long["idea"] == code]
        rec: dict[str, Any] = {"idea": code, "label": idea.label}
        for src, col in (("collins2018", "consensus_says"), ("winters2021", "winters_says")):
            says = g.loc[g["source"] == src, "says"].tolist()
            rec[col] = "; ".join(says) if says else "not addressed"
        finds = list(dict.fromkeys(g["we_find"]))
        if not finds and runs is not None:
            finds = [_finding_text(_finding(runs, code, ("pain", "akps", "recovered"),
                                            ("short", "medium", "long")))]  # fmt: skip
        rec["we_find"] = "\n".join(finds)
        agree = [f"{_SHORT.get(a['source'], a['source_short'])}: {a['agreement']}"
                 for a in g.to_dict("records")]  # fmt: skip
        rec["agreement"] = "\n".join(dict.fromkeys(agree)) if agree else "nothing to compare"
        why = [part for r in g["reason"] if r for part in r.split("; ")]
        rec["reason"] = "; ".join(dict.fromkeys(why))
        rows.append(rec)
    return pd.DataFrame(rows, columns=["idea", "label", "consensus_says", "winters_says",
                                       "we_find", "agreement", "reason"])  # fmt: skip


def discussion_blocks(
    runs: Sequence[Any], statements: pd.DataFrame | None = None, *, exclusions: int | None = None
) -> list[Any]:
    """The discussion section: the per-idea table, the statements verbatim, what was not read."""
    from kneestudy.report.content import Column, Heading, Paragraph, Table

    st = statements if statements is not None else published_statements()
    long = compare_with_published(runs, st, exclusions=exclusions)
    wide = discussion_table(long, runs)
    counts = long["agreement"].value_counts()
    lead = (
        f"{len(long)} published statements about the ideas were set against this evidence "
        "base: " + ", ".join(f"{counts[k]} {k}" for k in ("agrees", "partly agrees",
                                                        "not confirmed", "contradicted",
                                                        "cannot compare")
                             if k in counts) + "."
    )  # fmt: skip
    out: list[Any] = [
        Paragraph(
            "How this evidence base's findings compare with the 2018 international consensus "
            "(Collins et al. 2018) and the living network meta-analysis (Winters et al. 2021). "
            "Their statements are quoted verbatim below; which idea each is about, and the "
            "comparison of directions, are worked out by kneestudy.report.discussion, not "
            "written by hand.",
        ),
        Paragraph(lead, "lead"),
        Table(
            "discussion-ideas",
            "Each idea: what the consensus and the living network meta-analysis say, what this "
            "evidence base finds, whether they agree, and why not",
            wide,
            (
                Column("label", "Idea", style="text"),
                Column("consensus_says", "Consensus 2018 says", style="text"),
                Column("winters_says", "Winters 2021 says", style="text"),
                Column("we_find", "We find (direction, certainty)", style="text"),
                Column("agreement", "Agreement", style="text"),
                Column("reason", "Likely reason for a difference", style="text", missing=""),
            ),
            notes=(
                "We find: the finding of the outcomes and windows each statement speaks of "
                "(pain or AKPS for the consensus; recovery up to 3 months or at 12 months for "
                "Winters 2021), the one of highest certainty. Benefit / harm: the 95% CI "
                "excludes no effect; little or no difference: the CI lies within the MCID; "
                "inconclusive: the CI holds both.",
                "Agreement: agrees; partly agrees (a benefit smaller than the MCID); not "
                "confirmed (our estimate is inconclusive, or of very low certainty); "
                "contradicted; cannot compare (no usable evidence here, or not estimable).",
            ),
        ),
        Heading("The published statements, verbatim", "discussion-statements"),
    ]
    quotes = st.drop_duplicates("key").copy()
    quotes["ideas"] = [
        ", ".join(IDEAS[i].label for i in st.loc[st["key"] == k, "idea"] if i in IDEAS) or
        f"none of the eight ({m})" for k, m in zip(quotes["key"], quotes["mapping"], strict=True)
    ]  # fmt: skip
    quotes["doi_url"] = [f"https://doi.org/{d}" if isinstance(d, str) and d else None
                         for d in quotes["doi"]]  # fmt: skip
    out.append(
        Table(
            "discussion-statements",
            "What the consensus and the living network meta-analysis say, verbatim, with where "
            "each sentence was read",
            quotes.reset_index(drop=True),
            (
                Column("source_short", "Source", style="text"),
                Column("quote", "Statement (verbatim)", style="text"),
                Column("ideas", "Read as about", style="text"),
                Column("location", "Where", style="link", fields=("location", "url")),
                Column("doi", "DOI", style="link", fields=("doi", "doi_url")),
            ),
            notes=tuple(
                f"{s}: {c}"
                for s, c in dict(
                    zip(quotes["source_short"], quotes["citation"], strict=True)
                ).items()
            ),
        )  # fmt: skip
    )
    out.append(
        Table(
            "discussion-statement-findings",
            "Each statement about an idea against this evidence base's finding",
            long,
            (
                Column("label", "Idea", style="text"),
                Column("source_short", "Source", style="text"),
                Column("says", "They say", style="text"),
                Column("source_certainty", "Their certainty", style="text"),
                Column("we_find", "We find", style="text"),
                Column("agreement", "Agreement", style="text"),
                Column("reason", "Likely reason for a difference", style="text", missing=""),
            ),
            collapse=f"Statement by statement ({len(long)} statements about an idea)",
        )
    )
    nr = not_read()
    if len(nr):
        out.append(
            Table(
                "discussion-not-read",
                "Looked for in the published sources and left out: not readable",
                nr,
                (
                    Column("source", "Source", style="text"),
                    Column("wanted", "What was looked for", style="text"),
                    Column("why", "Why it is left out", style="text"),
                ),
                notes=(
                    "A statement that could not be read is not quoted, paraphrased or attributed.",
                ),
            )  # fmt: skip
        )
    return out
