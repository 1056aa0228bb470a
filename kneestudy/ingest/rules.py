"""Rules across tables: keys, baseline visits, withdrawal, codes, the comparator arm.

Each rule is vectorised: participants are looked up once per table with a
hash index, and every check is an array operation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kneestudy.ingest.convert import TableState
from kneestudy.ingest.report import Collector
from kneestudy.interventions import unknown_codes

__all__ = [
    "cascade",
    "check_codes",
    "check_cohort_rules",
    "check_literature_rules",
    "participant_positions",
]


def participant_positions(
    participants: pd.Series | TableState, ids: pd.Series | TableState
) -> np.ndarray:
    """Position in ``participants`` of each id (-1 when absent; the first row wins).

    Either argument may be a table's state, whose factorised ``participant_id``
    is then reused: only the distinct ids are hashed and looked up.
    """
    if isinstance(participants, TableState):
        codes, _ = participants.factorize("participant_id")
        _, pos_first = np.unique(codes, return_index=True)  # first row of each id
        pos_first = pos_first[codes[pos_first] >= 0]
        values = participants.frame["participant_id"].to_numpy()
    else:
        first = ~participants.duplicated(keep="first").to_numpy() & participants.notna().to_numpy()
        pos_first = np.flatnonzero(first)
        values = participants.to_numpy()
    index = pd.Index(values[pos_first])
    if isinstance(ids, TableState):
        codes, uniques = ids.factorize("participant_id")
        pos_u = _take(pos_first, index.get_indexer(np.asarray(uniques, dtype=object)))
        return _take(pos_u, codes)
    return _take(pos_first, index.get_indexer(ids.to_numpy()))


def _take(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``values[idx]`` where ``idx >= 0``, else -1 (safe when ``values`` is empty)."""
    out = np.full(len(idx), -1, dtype=np.int64)
    ok = idx >= 0
    out[ok] = values[idx[ok]]
    return out


def check_codes(state: TableState, column: str, codes: dict[str, str], out: Collector) -> None:
    """``known_code``: every part of each (``+``-combined) code is known or declared."""
    if column not in state.frame.columns:
        return
    s = state.frame[column]
    uniq = pd.unique(s.dropna())
    unknown = {u: unknown_codes(u, codes) for u in uniq}
    bad_values = [u for u, parts in unknown.items() if parts]
    if not bad_values:
        return
    mask = s.isin(bad_values).to_numpy()
    msg = s.map(
        lambda v: (
            f"unknown intervention code(s) {', '.join(repr(p) for p in unknown[v])}; "
            "use a registry code or declare it in the manifest's [codes] table"
        ),
        na_action="ignore",
    ).to_numpy(dtype=object)
    state.fail(out, mask, column, "known_code", msg)


def check_cohort_rules(
    manifest, tables: dict[str, TableState], manifest_file: str | None, out: Collector
) -> None:
    """Cross-table rules of one cohort (participants and visits must be usable)."""
    p = tables["participants"]
    codes = dict(manifest.codes) if manifest is not None else {}
    check_codes(p, "intervention", codes, out)
    if "visits" in tables:
        check_codes(tables["visits"], "condition", codes, out)
    if p.fatal or "participant_id" not in p.frame.columns:
        return
    v = tables.get("visits")
    if v is not None and not v.fatal:
        pos = participant_positions(p, v)
        missing = (pos < 0) & ~v.raw_na["participant_id"]
        v.fail(
            out, missing, "participant_id", "foreign_key", "participant_id is not in participants"
        )
        week = v.frame["week"].to_numpy(dtype="float64")
        if "withdrawal_week" in p.frame.columns:
            ww = p.frame["withdrawal_week"].to_numpy(dtype="float64")
            w = np.full(len(pos), np.nan)
            w[pos >= 0] = ww[pos[pos >= 0]]
            with np.errstate(invalid="ignore"):
                late = (pos >= 0) & (week > w)
            if late.any():
                msg = np.empty(len(week), dtype=object)
                msg[late] = [
                    f"visit at week {_n(a)} is after withdrawal at week {_n(b)}"
                    for a, b in zip(week[late], w[late], strict=True)
                ]
                v.fail(out, late, "week", "after_withdrawal", msg)
        base = (week == 0) & (pos >= 0) & ~v.bad
        has_base = np.zeros(p.n, dtype=bool)
        has_base[pos[base]] = True
        no_base = ~has_base & ~p.raw_na["participant_id"]
        p.fail(
            out,
            no_base,
            "participant_id",
            "baseline_required",
            f"no valid week-0 (baseline) visit in {v.file or 'visits'}",
        )
    for name in ("adverse_events", "events"):
        t = tables.get(name)
        if t is None or t.fatal:
            continue
        pos = participant_positions(p, t)
        missing = (pos < 0) & ~t.raw_na["participant_id"]
        t.fail(
            out, missing, "participant_id", "foreign_key", "participant_id is not in participants"
        )
    e = tables.get("events")
    if e is not None and not e.fatal and "interval_low_weeks" in e.frame.columns:
        lo = e.frame["interval_low_weeks"].to_numpy(dtype="float64")
        hi = e.frame["time_weeks"].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            bad = lo >= hi
        e.fail(
            out,
            bad,
            "interval_low_weeks",
            "interval_order",
            "interval_low_weeks must be below time_weeks",
        )
    if manifest is not None and manifest.comparator is not None and "intervention" in p.frame:
        arms = set(p.frame["intervention"].dropna())
        if manifest.comparator not in arms:
            out.add(
                "manifest",
                manifest_file,
                None,
                "comparator",
                "comparator_arm",
                manifest.comparator,
                f"comparator '{manifest.comparator}' is not the intervention of any arm "
                f"(arms: {', '.join(sorted(arms))})",
            )


def check_literature_rules(state: TableState, codes: dict[str, str], out: Collector) -> None:
    """Rules of ``arm_summaries`` and ``contrasts`` beyond single columns."""
    f = state.frame
    if state.fatal:
        return
    if state.name == "arm_summaries":
        check_codes(state, "intervention", codes, out)
        has_mean = f["mean"].notna().to_numpy() & f["sd"].notna().to_numpy()
        has_events = f["events"].notna().to_numpy()
        raw_empty = state.raw[["mean", "sd", "events"]].isna().all(axis=1).to_numpy()
        state.fail(
            out,
            ~has_mean & ~has_events & raw_empty,
            "mean",
            "summary_present",
            "give mean and sd (continuous outcome) or events (binary outcome)",
        )
        ev = f["events"].to_numpy(dtype="float64", na_value=np.nan)
        n = f["n"].to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            over = ev > n
        state.fail(out, over, "events", "events_le_n", "events must not exceed n")
    else:
        check_codes(state, "treatment", codes, out)
        check_codes(state, "comparator", codes, out)
        same = (f["treatment"] == f["comparator"]).to_numpy() & f["treatment"].notna().to_numpy()
        state.fail(
            out, same, "comparator", "distinct_arms", "comparator must differ from treatment"
        )


def cascade(tables: dict[str, TableState], out: Collector) -> None:
    """A rejected participant takes its visits, adverse events and events along."""
    p = tables.get("participants")
    if p is None or p.fatal or "participant_id" not in p.frame.columns or not p.bad.any():
        return
    pids = p.frame["participant_id"]
    rejected_ids = pd.Index(pids.to_numpy()[p.bad]).dropna()
    rows = pd.Series(p.rows[p.bad], index=pids.to_numpy()[p.bad])
    rows = rows[~rows.index.duplicated()]
    for name in ("visits", "adverse_events", "events"):
        t = tables.get(name)
        if t is None or t.fatal or "participant_id" not in t.frame.columns:
            continue
        ids = t.frame["participant_id"]
        hit = ids.isin(rejected_ids).to_numpy() & ~t.bad
        if hit.any():
            msg = ids.map(
                lambda i: (
                    f"participant {i} was rejected ({p.file or 'participants'} line {rows.get(i)})"
                ),
                na_action="ignore",
            ).to_numpy(dtype=object)
            t.fail(out, hit, "participant_id", "participant_rejected", msg)


def _n(x: float) -> str:
    if np.isnan(x):
        return "?"
    return str(int(x)) if float(x).is_integer() else repr(float(x))
