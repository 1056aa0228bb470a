"""The search behind an evidence base: PRISMA 2020 counts from its search records.

An evidence base records its search as ``searches/*.toml`` files (one per
topic: the records looked at, ``records_found``, and every record left out,
``[[excluded]]`` with its reason) and its included trials as ``trials/*.toml``
(each with one or more ``[[sources]]``: the reports its numbers come from).
:func:`prisma_from_records` counts the PRISMA 2020 flow (Page et al. 2021,
BMJ 372:n71) from them, as :func:`counting_rules` states:

* **identified**: the sum of ``records_found`` over the topic searches (each
  search counts distinct records within itself);
* **removed before screening**: records left out of a topic because another
  topic's search assessed them (they are counted there);
* **screened**: identified − removed;
* **excluded at screening**: records looked at that are neither listed as
  excluded nor a report of an included trial (records not relevant on title
  or abstract, which the search files do not list one by one): screened −
  listed exclusions − reports included;
* **sought for retrieval**: listed exclusions + reports included;
  **not retrieved**: exclusions whose reason is "full text not available";
* **assessed for eligibility**: sought − not retrieved; **excluded with
  reasons**: the other listed exclusions, by the kind of their reason
  (:func:`reason_category`, rules first match wins; the full list with each
  record's verbatim reason is in the report);
* **included**: the trial files (studies) and their sources (reports).

When the records found are fewer than the records listed, the stage cannot
be derived and stays "not reported" (never a negative count).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = [
    "ANOTHER_TOPIC",
    "NOT_RETRIEVED",
    "REASON_RULES",
    "REASON_WORDS",
    "exclusion_kinds",
    "counting_rules",
    "excluded_records",
    "prisma_from_records",
    "reason_category",
]

#: Kind of reason of a record assessed under another topic (removed before screening).
ANOTHER_TOPIC = "assessed under another topic (counted there)"
#: Kind of reason of a report not retrieved.
NOT_RETRIEVED = "full text not available"
#: (pattern, kind) of the exclusion reasons, tried in order on the reason text (lower case).
REASON_RULES: tuple[tuple[str, str], ...] = (
    (r"^duplicate report", "duplicate or secondary report"),
    (r"belongs to the .* topic|extracted with the", ANOTHER_TOPIC),
    (r"^not randomised|quasi|sequentially assigned|alternately assigned|case series",
     "not randomised"),
    (r"^wrong population", "wrong population"),
    (r"^full text not available", NOT_RETRIEVED),
    (r"^no usable numbers", "no usable numbers"),
    (r"doi.*pmid|pmid.*doi", "no DOI or PMID readable"),
    (r"protocol|registry entries|registration", "protocol, no results"),
    (r"review|meta-analysis", "review, not a trial"),
    (r"immediate effect", "immediate effects only"),
    (r"not one of|none of the evidence base's outcomes|outcomes are|no placebo|each other|"
     r"no glucosamine-alone|no comparator|without a placebo", "outside the eight ideas"),
)  # fmt: skip
#: What each kind of reason covers, in words (the report's table of exclusion kinds).
REASON_WORDS: dict[str, str] = {
    "duplicate or secondary report": "a further report of a trial already assessed",
    ANOTHER_TOPIC: "a record another topic's search assessed (removed before screening)",
    "not randomised": "quasi-random or alternate allocation, case series, single group",
    "wrong population": "not people with patellofemoral pain (nor knee osteoarthritis as "
    "indirect evidence for glucosamine)",
    NOT_RETRIEVED: "no copy with results could be read (reports not retrieved)",
    "no usable numbers": "no between-group estimate with a CI, SE or p, and no arm means with "
    "SDs and arm sizes, in the text that could be read",
    "no DOI or PMID readable": "usable numbers, but no DOI or PMID could be read (every row "
    "needs one)",
    "protocol, no results": "a protocol or registration without results",
    "review, not a trial": "a review or meta-analysis, searched for trials and pooled "
    "estimates, not a trial itself",
    "immediate effects only": "effects within one session, no clinical follow-up",
    "outside the eight ideas": "a comparison or outcome that none of the eight ideas' "
    "comparisons covers",
    "other reasons (see the list)": "other reasons, each stated in the list",
}
_OTHER = "other reasons (see the list)"


def reason_category(reason: Any) -> str:
    """The kind of an exclusion reason (:data:`REASON_RULES`; else "other reasons")."""
    text = str(reason or "").strip().lower()
    for pattern, kind in REASON_RULES:
        if re.search(pattern, text):
            return kind
    return _OTHER


def excluded_records(searches: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Every record left out, in file order: search, topic, study, DOI/PMID, reason, category."""
    rows = []
    for name, data in searches.items():
        for e in data.get("excluded", ()) or ():
            rows.append({
                "search": name, "topic": str(data.get("topic", name)),
                "study": str(e.get("study", "")), "doi": e.get("doi"),
                "pmid": None if e.get("pmid") is None else str(e.get("pmid")),
                "reason": str(e.get("reason", "")), "category": reason_category(e.get("reason")),
                "note": e.get("note"),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=["search", "topic", "study", "doi", "pmid", "reason",
                                       "category", "note"])  # fmt: skip


def _reports(trials: Mapping[str, Mapping[str, Any]]) -> int:
    return sum(len(t.get("sources", ()) or ()) for t in trials.values() if "_error" not in t)


def prisma_from_records(
    searches: Mapping[str, Mapping[str, Any]], trials: Mapping[str, Mapping[str, Any]]
) -> tuple[Any, pd.DataFrame]:
    """The PRISMA counts of a search (module docstring) and the table of how each is made.

    Returns
    -------
    (PrismaCounts, DataFrame)
        The counts, and one row per stage: ``stage``, ``count`` (NaN when it
        cannot be derived) and ``how``.
    """
    from kneestudy.plots.prisma import PrismaCounts

    found = sum(int(s.get("records_found", 0) or 0) for s in searches.values())
    ex = excluded_records(searches)
    moved = int((ex["category"] == ANOTHER_TOPIC).sum())
    listed = ex[ex["category"] != ANOTHER_TOPIC]
    not_retrieved = int((listed["category"] == NOT_RETRIEVED).sum())
    eligibility = listed[listed["category"] != NOT_RETRIEVED]
    reasons = eligibility["category"].value_counts()
    order = [k for _, k in REASON_RULES if k in reasons.index] + (
        [_OTHER] if _OTHER in reasons.index else [])  # fmt: skip
    excluded = {k[:1].upper() + k[1:]: int(reasons[k]) for k in order}
    n_studies = sum(1 for t in trials.values() if "_error" not in t)
    n_reports = _reports(trials)
    screened = found - moved
    at_screening = screened - len(listed) - n_reports
    kw: dict[str, Any] = {}
    if at_screening >= 0:
        kw.update(excluded_screening=at_screening, not_retrieved=not_retrieved)
    counts = PrismaCounts(
        identified={f"Records looked at in {len(searches)} topic searches": found},
        removed={"Assessed under another topic": moved} if moved else {},
        excluded=excluded,
        studies_included=n_studies,
        reports_included=n_reports if at_screening >= 0 else None,
        **kw,
    )
    d = counts.resolved()
    how = counting_rules()
    table = pd.DataFrame(
        [{"stage": stage, "count": d.get(key) if d.get(key) is not None else float("nan"),
          "how": text} for key, stage, text in how],
        columns=["stage", "count", "how"],
    )  # fmt: skip
    return counts, table


def counting_rules() -> list[tuple[str, str, str]]:
    """(PRISMA stage key, stage, how its count is made), as the module docstring states."""
    return [
        ("identified", "Records identified", "the sum of records_found over the topic searches "
         "(searches/*.toml); each search counts distinct records within itself"),
        ("removed", "Removed before screening", "records a topic search left out because "
         "another topic's search assessed them (counted there)"),
        ("screened", "Records screened", "identified − removed before screening"),
        ("excluded_screening", "Excluded at screening", "records looked at that are neither "
         "listed as excluded nor a report of an included trial: not relevant on title or "
         "abstract, not listed one by one"),
        ("sought", "Reports sought for retrieval", "listed exclusions + reports of included "
         "trials"),
        ("not_retrieved", "Reports not retrieved", "listed exclusions whose reason is 'full "
         "text not available'"),
        ("assessed", "Reports assessed for eligibility", "sought − not retrieved"),
        ("excluded", "Reports excluded, with reasons", "the other listed exclusions, by the "
         "kind of their reason (first matching rule; each record's own reason is listed)"),
        ("studies_included", "Studies included", "the trial files (trials/*.toml), each one "
         "study"),
        ("reports_included", "Reports of included studies", "the sources of the trial files "
         "(several reports may describe one study)"),
    ]  # fmt: skip


def exclusion_kinds(searches: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The kinds of exclusion reasons: kind, records, what it covers (in rule order)."""
    ex = excluded_records(searches)
    counts = ex["category"].value_counts()
    order = [k for _, k in REASON_RULES] + [_OTHER]
    rows = [{"kind": k[:1].upper() + k[1:], "records": int(counts[k]),
             "covers": REASON_WORDS.get(k, "")} for k in dict.fromkeys(order) if k in counts]  # fmt: skip
    return pd.DataFrame(rows, columns=["kind", "records", "covers"])
