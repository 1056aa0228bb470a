"""PRISMA 2020 flow diagram of a systematic search, from counts.

:class:`PrismaCounts` holds the numbers of the PRISMA 2020 flow (Page et al.
2021, BMJ 372:n71, Figure 1, "new systematic reviews which included searches
of databases and registers only"): records identified by source, records
removed before screening, records screened and excluded, reports sought,
not retrieved, assessed and excluded with reasons, and studies (and reports)
included. Stages that were not recorded stay ``None``: they are derived when
the flow's arithmetic gives them (screened = identified − removed, …) and are
otherwise drawn as "not reported" or left out, never invented. Counts that
contradict each other raise ``ValueError`` naming every contradiction.

:func:`prisma` draws the diagram.

Examples
--------
>>> c = PrismaCounts(identified={"Databases": 120, "Registers": 8},
...                  removed={"Duplicates": 28}, excluded_screening=60,
...                  not_retrieved=2, excluded={"Not randomised": 14, "Wrong population": 6},
...                  studies_included=18)
>>> r = c.resolved()
>>> r["screened"], r["sought"], r["assessed"], r["reports_included"]
(100, 40, 38, 18)
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kneestudy.plots._style import new_axes
from kneestudy.plots.labels import literal

__all__ = ["PrismaCounts", "prisma", "prisma_size"]

_STAGES = ("identified", "screened", "sought", "assessed", "reports_included")


def _as_counts(value: Any, name: str, problems: list[str]) -> dict[str, int] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        items = dict(value)
    else:
        items = {"Records": value}
    out = {}
    for k, v in items.items():
        n = _as_int(v, f"{name}[{k!r}]", problems)
        if n is not None:
            out[str(k)] = n
    return out


def _as_int(value: Any, name: str, problems: list[str]) -> int | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        problems.append(f"{name} = {value!r} is not a count")
        return None
    if not f.is_integer() or f < 0:
        problems.append(f"{name} = {value!r} is not a whole number ≥ 0")
        return None
    return int(f)


@dataclass(frozen=True)
class PrismaCounts:
    """The counts of a PRISMA 2020 flow diagram.

    Attributes
    ----------
    identified : mapping source -> records, or int
        Records identified (e.g. ``{"Databases": 120, "Registers": 8}``).
    removed : mapping reason -> records, optional
        Records removed before screening (duplicates, automation tools, other);
        ``{}`` when none were removed, ``None`` when not recorded.
    screened, excluded_screening : int, optional
        Records screened, and excluded on title and abstract.
    sought, not_retrieved : int, optional
        Reports sought for retrieval, and not retrieved.
    assessed : int, optional
        Reports assessed for eligibility.
    excluded : mapping reason -> reports
        Reports excluded at eligibility, by reason.
    studies_included : int
        Studies included in the review.
    reports_included : int, optional
        Reports of included studies (several reports may describe one study).
    """

    identified: Mapping[str, int] | int
    studies_included: int
    removed: Mapping[str, int] | None = None
    screened: int | None = None
    excluded_screening: int | None = None
    sought: int | None = None
    not_retrieved: int | None = None
    assessed: int | None = None
    excluded: Mapping[str, int] = field(default_factory=dict)
    reports_included: int | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        ident = _as_counts(self.identified, "identified", problems) or {}
        object.__setattr__(self, "identified", ident)
        object.__setattr__(self, "removed", _as_counts(self.removed, "removed", problems))
        object.__setattr__(
            self, "excluded", _as_counts(self.excluded or {}, "excluded", problems) or {}
        )
        for name in ("screened", "excluded_screening", "sought", "not_retrieved", "assessed",
                     "reports_included", "studies_included"):  # fmt: skip
            object.__setattr__(self, name, _as_int(getattr(self, name), name, problems))
        if self.studies_included is None and not any("studies_included" in p for p in problems):
            problems.append("studies_included is required")
        if not problems:
            problems.extend(self._contradictions())
        if problems:
            raise ValueError("PRISMA counts: " + "; ".join(problems))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PrismaCounts:
        """From a mapping of the attribute names (e.g. a ``[prisma]`` table of study.toml)."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"PRISMA counts: unknown fields {unknown}; known: {sorted(known)}")
        return cls(**dict(data))

    @classmethod
    def from_searches(
        cls, searches: Iterable[Mapping[str, Any]], studies_included: int
    ) -> PrismaCounts:
        """From search records: each with ``records_found`` and ``excluded`` entries.

        ``records_found`` counts distinct records looked at (so none were
        removed before screening); each ``excluded`` entry has a ``reason``.
        The stages between screening and inclusion are not recorded and stay
        unknown.
        """
        found = 0
        reasons: dict[str, int] = {}
        for s in searches:
            found += int(s.get("records_found", 0))
            for e in s.get("excluded", ()) or ():
                reason = str(e.get("reason", "other")).strip() or "other"
                reasons[reason] = reasons.get(reason, 0) + 1
        return cls(
            identified={"Records found by the searches": found},
            removed={},
            screened=found,
            excluded=reasons,
            studies_included=studies_included,
        )

    def _derive(self) -> dict[str, int | None]:
        total = sum(self.identified.values())
        removed = None if self.removed is None else sum(self.removed.values())
        screened = self.screened
        if screened is None and removed is not None:
            screened = total - removed
        sought = self.sought
        if sought is None and screened is not None and self.excluded_screening is not None:
            sought = screened - self.excluded_screening
        assessed = self.assessed
        if assessed is None and sought is not None and self.not_retrieved is not None:
            assessed = sought - self.not_retrieved
        reports = self.reports_included
        if reports is None and assessed is not None:
            reports = assessed - sum(self.excluded.values())
        return {
            "identified": total,
            "removed": removed,
            "screened": screened,
            "excluded_screening": self.excluded_screening,
            "sought": sought,
            "not_retrieved": self.not_retrieved,
            "assessed": assessed,
            "excluded": sum(self.excluded.values()),
            "reports_included": reports,
            "studies_included": self.studies_included,
        }

    def _contradictions(self) -> list[str]:
        d = self._derive()
        out = []
        removed = d["removed"]
        checks = [
            ("screened", self.screened, d["identified"] - removed if removed is not None else None,
             "identified − removed before screening"),
            ("sought", self.sought, (self.screened - self.excluded_screening)
             if self.screened is not None and self.excluded_screening is not None else None,
             "screened − excluded at screening"),
            ("assessed", self.assessed, (d["sought"] - self.not_retrieved)
             if d["sought"] is not None and self.not_retrieved is not None else None,
             "sought − not retrieved"),
            ("reports_included", self.reports_included, (d["assessed"] - d["excluded"])
             if d["assessed"] is not None else None, "assessed − excluded"),
        ]  # fmt: skip
        for name, given, derived, how in checks:
            if given is not None and derived is not None and given != derived:
                out.append(f"{name} = {given} but {how} = {derived}")
        for name, value in d.items():
            if value is not None and value < 0:
                out.append(f"{name} comes out negative ({value})")
        reports = d["reports_included"]
        if reports is not None and reports >= 0 and self.studies_included > reports:
            out.append(
                f"studies_included = {self.studies_included} is more than the reports of "
                f"included studies ({reports})"
            )
        return out

    def resolved(self) -> dict[str, int | None]:
        """Every stage's count, derived by the flow's arithmetic where not given (None: unknown)."""
        return self._derive()


def _n(value: int | None) -> str:
    return "n not reported" if value is None else f"n = {value}"


def _wrap(lines: list[str], width: int = 44) -> list[str]:
    out = []
    for line in lines:
        out.extend(textwrap.wrap(line, width) or [""])
    return out


#: Least height of a stage's rows (inches): room for the stage name written upwards.
_STAGE_MIN = 1.05


def _heights(rows: list[tuple[str, list[str], list[str] | None]]) -> list[float]:
    """Box height of each row; the first row of a short stage is padded to fit its name."""
    h = [_LINE * (max(len(m), len(s or [])) + 1) for _, m, s in rows]
    stages: dict[str, list[int]] = {}
    for i, (stage, _, _) in enumerate(rows):
        stages.setdefault(stage, []).append(i)
    for idx in stages.values():
        span = sum(h[i] for i in idx) + _GAP * (len(idx) - 1)
        if span < _STAGE_MIN:
            h[idx[0]] += _STAGE_MIN - span
    return h


def _rows(c: PrismaCounts) -> list[tuple[str, list[str], list[str] | None]]:
    """(stage, main box lines, side box lines) from the top of the flow."""
    d = c.resolved()
    rows: list[tuple[str, list[str], list[str] | None]] = []
    if len(c.identified) == 1:
        ((src, n),) = c.identified.items()
        main = [f"{src}", f"(n = {n})"]
    else:
        main = ["Records identified from:"] + [f"{k} (n = {v})" for k, v in c.identified.items()]
    side = None
    if c.removed:
        side = ["Records removed before screening:"] + [
            f"{k} (n = {v})" for k, v in c.removed.items()
        ]
    rows.append(("Identification", main, side))
    if d["screened"] is not None:
        side = (["Records excluded", _n(c.excluded_screening)]
                if c.excluded_screening is not None else None)  # fmt: skip
        rows.append(("Screening", ["Records screened", _n(d["screened"])], side))
    if d["sought"] is not None:
        side = (
            ["Reports not retrieved", _n(c.not_retrieved)] if c.not_retrieved is not None else None
        )
        rows.append(("Screening", ["Reports sought for retrieval", _n(d["sought"])], side))
    reasons = None
    if c.excluded:
        reasons = ["Reports excluded:"] + [f"{k} (n = {v})" for k, v in c.excluded.items()]
    if d["assessed"] is not None or reasons:
        rows.append(("Screening", ["Reports assessed for eligibility", _n(d["assessed"])], reasons))
    inc = ["Studies included in review", _n(c.studies_included)]
    if c.reports_included is not None or d["assessed"] is not None:
        inc += ["Reports of included studies", _n(d["reports_included"])]
    rows.append(("Included", inc, None))
    return [(s, _wrap(m), _wrap(x) if x else None) for s, m, x in rows]


_LINE = 0.2  # inches per text line
_GAP = 0.35  # inches between boxes


def prisma_size(counts: PrismaCounts) -> tuple[float, float]:
    """Figure size (inches) that fits the flow of ``counts``."""
    rows = _rows(counts)
    return (7.5, sum(_heights(rows)) + _GAP * len(rows) + 0.6)


def prisma(
    counts: PrismaCounts,
    ax: Any = None,
    *,
    title: str = "Flow of records and studies (PRISMA 2020)",
) -> Any:
    """Draw the PRISMA 2020 flow diagram of ``counts``.

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.patches import FancyBboxPatch, Rectangle

    rows = _rows(counts)
    w, h = prisma_size(counts)
    ax = new_axes(ax, figsize=(w, h))
    total = h - 0.6
    ax.set_xlim(0, 1)
    ax.set_ylim(total, 0)
    ax.axis("off")
    main_x, main_w, side_x, side_w = 0.09, 0.45, 0.6, 0.39
    y = 0.0
    spans: dict[str, list[float]] = {}
    prev_bottom = None
    for (stage, main, side), height in zip(rows, _heights(rows), strict=True):
        top = y
        for x, bw, lines in ((main_x, main_w, main), (side_x, side_w, side)):
            if not lines:
                continue
            ax.add_patch(FancyBboxPatch((x, top), bw, height, boxstyle="round,pad=0,rounding_size=0.02",
                                        fc="white", ec="#333333", lw=1.0, mutation_aspect=1))  # fmt: skip
            ax.text(x + bw / 2, top + height / 2, literal("\n".join(lines)), ha="center",
                    va="center", fontsize=8, linespacing=1.3)  # fmt: skip
        if side:
            ax.annotate("", xy=(side_x, top + height / 2), xytext=(main_x + main_w, top + height / 2),
                        arrowprops={"arrowstyle": "->", "color": "#555555"})  # fmt: skip
        if prev_bottom is not None:
            ax.annotate("", xy=(main_x + main_w / 2, top), xytext=(main_x + main_w / 2, prev_bottom),
                        arrowprops={"arrowstyle": "->", "color": "#555555"})  # fmt: skip
        spans.setdefault(stage, [top, top + height])
        spans[stage][1] = top + height
        prev_bottom = top + height
        y = top + height + _GAP
    for stage, (a, b) in spans.items():
        ax.add_patch(Rectangle((0.0, a), 0.055, b - a, fc="#D6E9F8", ec="#0072B2", lw=0.8))
        ax.text(0.0275, (a + b) / 2, stage, rotation=90, ha="center", va="center", fontsize=8,
                fontweight="bold", color="#0b3d66")  # fmt: skip
    ax.set_title(title, loc="left", fontweight="bold")
    return ax
