"""Rules across tables: keys, baseline visits, withdrawal, codes, the comparator arm.

Each rule is vectorised: participants are looked up once per table with a
hash index, and every check is an array operation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kneestudy.ingest import hints
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
    if isinstance(participants, TableState) and isinstance(ids, TableState):
        return _positions_by_codes(participants, ids)
    if isinstance(participants, TableState):
        participants = participants.frame["participant_id"]
    first = ~participants.duplicated(keep="first").to_numpy() & participants.notna().to_numpy()
    pos_first = np.flatnonzero(first)
    index = pd.Index(participants.to_numpy()[pos_first])
    if isinstance(ids, TableState):
        ids = ids.frame["participant_id"]
    return _take(pos_first, index.get_indexer(ids.to_numpy()))


def _positions_by_codes(participants: TableState, ids: TableState) -> np.ndarray:
    """:func:`participant_positions` from both tables' codes: only distinct ids are hashed."""
    codes, uniques = participants.factorize("participant_id")
    k = len(uniques)
    if k == len(codes) and np.array_equal(codes, np.arange(k)):
        first = np.append(np.arange(k, dtype=np.int64), -1)  # distinct ids in row order
    else:
        first = np.full(k + 1, -1, dtype=np.int64)  # first row of each code; slot k: missing
        present = np.flatnonzero(codes >= 0)
        used, at = np.unique(codes[present], return_index=True)
        first[used] = present[at]
    id_codes, id_uniques = ids.factorize("participant_id")
    uniques = np.asarray(uniques, dtype=object)
    id_uniques = np.asarray(id_uniques, dtype=object)
    if len(uniques) == len(id_uniques) and _same_values(uniques, id_uniques):
        pos_u = first[:k]  # both tables list the same ids in the same order
    else:
        # one hash pass over both sets of distinct ids gives each id's code in participants
        joint, _ = pd.factorize(np.concatenate([uniques, id_uniques]))
        to_code = np.full(len(joint) + 1, k, dtype=np.int64)  # joint code -> participant code
        mine = joint[:k]
        to_code[mine[mine >= 0]] = np.flatnonzero(mine >= 0)
        pos_u = first[to_code[joint[k:]]]  # joint -1 (a missing id) lands on slot k too
    return np.append(pos_u, -1)[id_codes]


def _same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two object arrays hold equal values position by position (as hashing would)."""
    try:
        return bool(np.asarray(a == b, dtype=bool).all())
    except (TypeError, ValueError):
        return False


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
    if column in state.text_codes:  # one check per distinct code, mapped to the rows
        rc, uniq = state.text_codes[column]
        msgs = np.array(
            [_unknown_message(unknown_codes(u, codes)) for u in uniq] + [None], dtype=object
        )
        bad_u = np.array([m is not None for m in msgs], dtype=bool)
        state.fail(out, bad_u[rc], column, "known_code", msgs[rc])
        return
    uniq = pd.unique(s.dropna())
    unknown = {u: unknown_codes(u, codes) for u in uniq}
    bad_values = [u for u, parts in unknown.items() if parts]
    if not bad_values:
        return
    mask = s.isin(bad_values).to_numpy()
    msg = np.empty(len(mask), dtype=object)  # messages for the rows that fail only
    msg[mask] = [_unknown_message(unknown[v]) for v in s.to_numpy()[mask]]
    state.fail(out, mask, column, "known_code", msg)


def _unknown_message(parts: list[str]) -> str | None:
    if not parts:
        return None
    return (
        f"unknown intervention code(s) {', '.join(repr(p) for p in parts)}; "
        "use a registry code or declare it in the manifest's [codes] table (codes of your "
        "own map onto registry codes with [values.TABLE.COLUMN])"
    )


def check_cohort_rules(
    manifest, tables: dict[str, TableState], manifest_file: str | None, out: Collector
) -> None:
    """Cross-table rules of one cohort (participants and visits must be usable)."""
    p = tables["participants"]
    codes = dict(manifest.codes) if manifest is not None else {}
    check_codes(p, "intervention", codes, out)
    if "visits" in tables:
        check_codes(tables["visits"], "condition", codes, out)
    check_design(manifest, tables, manifest_file, out)
    if p.fatal or "participant_id" not in p.frame.columns:
        return
    check_arm_labels(manifest, p, out)
    note_case_variants(p, out)
    v = tables.get("visits")
    if v is not None and not v.fatal:
        pos = participant_positions(p, v)
        found = pos >= 0
        missing = ~found & ~v.raw_na["participant_id"]
        _foreign_key(p, v, missing, out)
        note_unscheduled(manifest, v, out)
        week = v.frame["week"].to_numpy(dtype="float64")
        ww = None
        if "withdrawal_week" in p.frame.columns:
            ww = p.frame["withdrawal_week"].to_numpy(dtype="float64")
        if ww is not None and not np.isnan(ww).all():  # skipped when nobody withdrew
            w = np.append(ww, np.nan)[pos]  # position -1 (not found): NaN, never late
            with np.errstate(invalid="ignore"):
                late = week > w
            if late.any():
                msg = np.empty(len(week), dtype=object)
                msg[late] = [
                    f"visit at week {_n(a)} is after withdrawal at week {_n(b)}"
                    for a, b in zip(week[late], w[late], strict=True)
                ]
                v.fail(out, late, "week", "after_withdrawal", msg)
        base = (week == 0) & found & ~v.bad
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
        _foreign_key(p, t, missing, out)
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
        if "intervention" in p.text_codes:  # the distinct codes some row uses
            rc, uniq = p.text_codes["intervention"]
            arms = set(np.asarray(uniq, dtype=object)[np.unique(rc[rc >= 0])])
        else:
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
    elif state.name == "contrasts":
        check_codes(state, "treatment", codes, out)
        check_codes(state, "comparator", codes, out)
        same = (f["treatment"] == f["comparator"]).to_numpy() & f["treatment"].notna().to_numpy()
        state.fail(
            out, same, "comparator", "distinct_arms", "comparator must differ from treatment"
        )


def _foreign_key(p: TableState, t: TableState, missing: np.ndarray, out: Collector) -> None:
    """``foreign_key``: ids not in participants, each with a near match when there is one."""
    if not missing.any():
        return
    ids = t.frame["participant_id"].to_numpy(dtype=object)
    codes, uniques = p.factorize("participant_id")
    known = [u for u in np.asarray(uniques, dtype=object) if u is not None]
    near = hints.near_ids(dict.fromkeys(ids[missing]), known)
    base = "participant_id is not in participants"

    def messages(pos: np.ndarray) -> list[str]:
        return [
            f"{base}; did you mean '{near[i]}'? ({_same_but(i, near[i])})" if i in near else base
            for i in ids[pos]
        ]

    t.fail(out, missing, "participant_id", "foreign_key", messages)


def _same_but(a: str, b: str) -> str:
    if a.casefold() == b.casefold():
        return "it differs only by case"
    return "it differs only by case, separators or leading zeros"


def note_case_variants(p: TableState, out: Collector) -> None:
    """Participant ids equal but for case are different people: say so."""
    codes, uniques = p.factorize("participant_id")
    uniques = np.asarray(uniques, dtype=object)
    used = np.bincount(codes[codes >= 0], minlength=len(uniques)) > 0 if len(codes) else None
    groups = hints.case_variants(uniques, used)
    if groups:
        shown = "; ".join(" / ".join(f"'{x}'" for x in g) for g in groups[:10])
        more = f" (and {len(groups) - 10} more)" if len(groups) > 10 else ""
        out.note(
            p.name,
            p.file,
            "participant_id",
            f"{len(groups)} group(s) of participant ids differ only by case: {shown}{more}; "
            "they are counted as different people",
        )


def note_unscheduled(manifest, v: TableState, out: Collector) -> None:
    """Visits at weeks that are not in the manifest's ``visit_weeks``, listed as a note."""
    if manifest is None or "week" not in v.frame.columns:
        return
    week = v.frame["week"].to_numpy(dtype="float64")
    ok = ~np.isnan(week)
    scheduled = np.asarray(manifest.visit_weeks, dtype="float64")
    off = ok & ~np.isin(week, scheduled)
    if not off.any():
        return
    values, first, counts = np.unique(week[off], return_index=True, return_counts=True)
    rows = v.rows[np.flatnonzero(off)[first]]
    parts = [
        f"{_n(w)} ({k} visit{'s' if k > 1 else ''}, first on {v.row_word} {r})"
        for w, k, r in zip(values[:20], counts[:20], rows[:20], strict=True)
    ]
    more = f" and {len(values) - 20} more weeks" if len(values) > 20 else ""
    out.note(
        v.name,
        v.file,
        "week",
        f"visits at weeks not in visit_weeks ({', '.join(_n(w) for w in scheduled)}): "
        f"{', '.join(parts)}{more}",
    )


def check_arm_labels(manifest, p: TableState, out: Collector) -> None:
    """``arm_label``: one arm label per intervention code (parallel and single-arm designs).

    Analyses identify arms by intervention code; two labels on one code would
    be analysed as one arm. The label most rows give is taken as the arm's;
    rows with another label fail (in a crossover the arm is the sequence, and
    several sequences share a code).
    """
    if manifest is None or manifest.design == "crossover":
        return
    if "arm" not in p.frame.columns or "intervention" not in p.frame.columns:
        return
    arm_c, arm_u = p.factorize("arm")
    int_c, int_u = p.factorize("intervention")
    ok = (arm_c >= 0) & (int_c >= 0)
    if not ok.any():
        return
    n_arm = len(arm_u) + 1
    seen = np.bincount(int_c[ok] * n_arm + arm_c[ok], minlength=(len(int_u) + 1) * n_arm) > 0
    if (seen.reshape(-1, n_arm).sum(axis=1) <= 1).all():
        return  # the usual case: one label per code (a count, no grouping)
    pairs = pd.DataFrame({"i": int_c[ok], "a": arm_c[ok]})
    counts = pairs.groupby(["i", "a"], sort=False).size().rename("n").reset_index()
    multi = counts.groupby("i")["a"].transform("size") > 1
    if not multi.any():
        return
    counts = counts[multi]
    first_pos = pd.Series(np.flatnonzero(ok)).groupby([pairs["i"], pairs["a"]], sort=False).min()
    counts = counts.assign(
        first=[first_pos[(i, a)] for i, a in zip(counts["i"], counts["a"], strict=True)]
    )
    counts = counts.sort_values(["i", "n", "first"], ascending=[True, False, True])
    main = counts.drop_duplicates("i").set_index("i")
    arm_u = np.asarray(arm_u, dtype=object)
    int_u = np.asarray(int_u, dtype=object)
    main_arm = np.full(len(int_u) + 1, -1, dtype=np.int64)
    main_arm[main.index.to_numpy()] = main["a"].to_numpy()
    has_main = main_arm[int_c] >= 0
    bad = ok & has_main & (arm_c != main_arm[int_c])
    first_row = {int(i): int(p.rows[int(r["first"])]) for i, r in main.iterrows()}

    def messages(pos: np.ndarray) -> list[str]:
        out_ = []
        for q in pos:
            i = int(int_c[q])
            out_.append(
                f"intervention '{int_u[i]}' is the arm '{arm_u[main_arm[i]]}' (first on "
                f"{p.row_word} {first_row[i]}), not '{arm_u[arm_c[q]]}': one intervention code is "
                "one arm; correct the label, or give this arm its own code in [codes]"
            )
        return out_

    p.fail(out, bad, "arm", "arm_label", messages)


def check_design(manifest, tables: dict[str, TableState], manifest_file, out: Collector) -> None:
    """What the design needs of the tables: a crossover's ``visits.condition``, the
    primary outcome's column."""
    v = tables.get("visits")
    if manifest is None or v is None or v.fatal:
        return
    if manifest.design == "crossover" and "condition" not in v.frame.columns:
        v.fail_table(
            out,
            "condition",
            "condition_required",
            f"design = 'crossover' needs a condition column in {v.file or 'visits'}: the "
            "intervention code in force at each visit",
        )
    elif manifest.design != "crossover" and "condition" in v.frame.columns:
        out.note(
            v.name,
            v.file,
            "condition",
            f"condition is read for crossover designs only; this cohort is {manifest.design}",
        )
    need = {"pain": "pain", "akps": "akps", "recovered": "grc"}.get(manifest.primary_outcome)
    if need is not None and need in v.absent:
        out.add(
            "manifest",
            manifest_file,
            None,
            "primary_outcome",
            "primary_outcome_recorded",
            manifest.primary_outcome,
            f"primary_outcome '{manifest.primary_outcome}' needs the {need} column, which is "
            f"not in {v.file or 'visits'}",
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
        if "participant_id" in t.text_codes:  # look up the distinct ids only
            rc, uniq = t.text_codes["participant_id"]
            hit = np.append(pd.Index(uniq).isin(rejected_ids), False)[rc] & ~t.bad
        else:
            hit = ids.isin(rejected_ids).to_numpy() & ~t.bad
        if hit.any():
            msg = np.empty(len(hit), dtype=object)  # messages for the rows that fail only
            msg[hit] = [
                f"participant {i} was rejected ({p.where(rows.get(i))})"
                for i in ids.to_numpy()[hit]
            ]
            t.fail(out, hit, "participant_id", "participant_rejected", msg)


def _n(x: float) -> str:
    if np.isnan(x):
        return "?"
    return str(int(x)) if float(x).is_integer() else repr(float(x))
