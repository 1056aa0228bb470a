"""Input checks and per-study structures for :func:`kneestudy.meta.network`.

Each study becomes its arms, the arms' effects relative to the study's first
arm, and the pseudo-inverse of its Laplacian ``L⁺ = −½ P V P`` built from the
pairwise variances ``V`` (``P = I − J/k``), as in netmeta's ``multiarm``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kneestudy.errors import AnalysisError

__all__ = ["TOL_MULTIARM", "NetworkData", "StudyBlock", "components", "graph", "prepare"]

#: Largest |(A − B) − ((A − C) − (B − C))| accepted in a multi-arm study
#: (netmeta's ``tol.multiarm``); the contrasts against the study's first arm are used.
TOL_MULTIARM = 1e-3


@dataclass
class StudyBlock:
    """One study: arm indices (first = base), arm effects vs base, L⁺."""

    study: str
    arms: np.ndarray  # treatment indices, first is the study's base arm
    te: np.ndarray  # effect of each arm minus the base arm (te[0] = 0)
    lplus: np.ndarray  # k x k pseudo-inverse of the study Laplacian
    n_arm: np.ndarray  # participants per arm (NaN when unknown)
    design: str = ""


@dataclass
class NetworkData:
    """Checked input: treatments, study blocks, and notes on completed studies."""

    treatments: list[str]
    studies: list[StudyBlock]
    notes: list[str] = field(default_factory=list)
    rows: pd.DataFrame | None = None


def components(treatments: list[str], pairs: list[tuple[int, int]]) -> list[list[str]]:
    """Connected parts of the graph (lists of treatment names, sorted)."""
    parent = list(range(len(treatments)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    groups: dict[int, list[str]] = {}
    for i, t in enumerate(treatments):
        groups.setdefault(find(i), []).append(t)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g))


def prepare(
    contrasts: pd.DataFrame,
    study: str,
    treatment: str,
    comparator: str,
    estimate: str,
    se: str,
    n_treatment: str = "n_treatment",
    n_comparator: str = "n_comparator",
) -> NetworkData:
    """Check a contrasts table and build one :class:`StudyBlock` per study.

    Raises :class:`~kneestudy.errors.AnalysisError` for missing columns, NaN,
    non-positive standard errors, a treatment compared with itself, a
    comparison given twice in one study, and multi-arm studies whose pairs
    are neither complete nor all against one common arm.
    """
    if not isinstance(contrasts, pd.DataFrame) or contrasts.empty:
        raise AnalysisError("contrasts must be a non-empty DataFrame, one row per comparison")
    cols = [study, treatment, comparator, estimate, se]
    missing = [c for c in cols if c not in contrasts.columns]
    if missing:
        raise AnalysisError(
            f"contrasts lack column(s) {missing}; pass the column names "
            "(study=, treatment=, comparator=, estimate=, se=)"
        )
    df = contrasts.copy()
    df[estimate] = pd.to_numeric(df[estimate], errors="coerce").astype(float)
    df[se] = pd.to_numeric(df[se], errors="coerce").astype(float)
    bad = df.index[df[cols].isna().any(axis=1) | ~np.isfinite(df[[estimate, se]]).all(axis=1)]
    if len(bad):
        raise AnalysisError(
            f"missing or non-finite values in contrast rows {bad.tolist()} "
            f"(columns {cols}); remove or complete them"
        )
    nonpos = df.index[df[se] <= 0]
    if len(nonpos):
        raise AnalysisError(
            f"standard errors must be positive; rows {nonpos.tolist()} have se <= 0"
        )
    for c in (study, treatment, comparator):
        df[c] = df[c].astype(str)
    same = df.index[df[treatment] == df[comparator]]
    if len(same):
        raise AnalysisError(f"rows {same.tolist()} compare a treatment with itself")
    key = pd.Series(
        [
            (s, *sorted((a, b)))
            for s, a, b in zip(df[study], df[treatment], df[comparator], strict=True)
        ],
        index=df.index,
    )
    dup = key.duplicated(keep=False)
    if dup.any():
        raise AnalysisError(
            "duplicated comparisons within a study: "
            f"{sorted(set(key[dup]))}; keep one row per pair of arms per study"
        )
    for c in (n_treatment, n_comparator):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float) if c in df else np.nan

    treatments = sorted(set(df[treatment]) | set(df[comparator]))
    index = {t: i for i, t in enumerate(treatments)}
    blocks: list[StudyBlock] = []
    notes: list[str] = []
    by_study: dict[str, list[tuple]] = {}
    for rec in zip(
        df[study], df[treatment], df[comparator], df[estimate], df[se],
        df[n_treatment], df[n_comparator], strict=True,
    ):  # fmt: skip
        by_study.setdefault(rec[0], []).append(rec)
    for sid, g in by_study.items():
        arms: list[str] = []
        for _, t1, t2, *_rest in g:
            for t in (t1, t2):
                if t not in arms:
                    arms.append(t)
        k = len(arms)
        pos = {t: i for i, t in enumerate(arms)}
        n_arm = np.full(k, np.nan)
        V = np.full((k, k), np.nan)
        T = np.full((k, k), np.nan)  # T[i, j] = effect of arm i minus arm j
        for _, t1, t2, est, sei, nt, nc in g:
            i, j = pos[t1], pos[t2]
            V[i, j] = V[j, i] = sei**2
            T[i, j], T[j, i] = est, -est
            for a, nn in ((i, nt), (j, nc)):
                if np.isfinite(nn):
                    n_arm[a] = nn
        np.fill_diagonal(V, 0.0)
        np.fill_diagonal(T, 0.0)
        n_pairs = len(g)
        if n_pairs < k * (k - 1) // 2:
            V, T = _complete_star(str(sid), arms, V, T, n_arm, n_pairs)
            notes.append(
                f"study {sid}: {k} arms given as {n_pairs} contrasts against a common arm; "
                "the other pairs were derived (variances split between arms in proportion "
                "to 1/n)"
            )
        te = T[:, 0].copy()
        # consistency of multi-arm effects: T[i, j] must equal te[i] - te[j], up to
        # netmeta's tol.multiarm = 0.001 (published estimates are rounded)
        if k > 2:
            implied = te[:, None] - te[None, :]
            if np.nanmax(np.abs(implied - T)) > TOL_MULTIARM:
                raise AnalysisError(
                    f"study {sid}: the estimates of its {k} arms are not consistent "
                    "(A-B must equal (A-C) - (B-C)); check the multi-arm contrasts"
                )
        P = np.eye(k) - 1.0 / k
        lplus = -0.5 * P @ V @ P
        blocks.append(
            StudyBlock(
                study=str(sid),
                arms=np.array([index[a] for a in arms]),
                te=te,
                lplus=lplus,
                n_arm=n_arm,
                design=":".join(sorted(arms)),
            )
        )
    return NetworkData(treatments=treatments, studies=blocks, notes=notes, rows=df)


def _complete_star(
    sid: str, arms: list[str], V: np.ndarray, T: np.ndarray, n_arm: np.ndarray, n_pairs: int
) -> tuple[np.ndarray, np.ndarray]:
    """Fill the missing pairs of a multi-arm study given against one common arm."""
    k = len(arms)
    given = ~np.isnan(V) & ~np.eye(k, dtype=bool)
    hub = [i for i in range(k) if given[i].sum() == k - 1]
    if n_pairs != k - 1 or not hub:
        raise AnalysisError(
            f"study {sid} has {k} arms ({', '.join(arms)}) but {n_pairs} comparisons: "
            f"give all {k * (k - 1) // 2} pairs, or the {k - 1} comparisons against one common arm"
        )
    c = hub[0]
    if not np.isfinite(n_arm).all():
        raise AnalysisError(
            f"study {sid}: completing its multi-arm comparisons needs n_treatment and "
            "n_comparator (arm sizes) on every row"
        )
    others = [i for i in range(k) if i != c]
    share = np.array([(1 / n_arm[c]) / (1 / n_arm[i] + 1 / n_arm[c]) * V[i, c] for i in others])
    v_c = float(np.mean(share))
    v = np.empty(k)
    v[c] = v_c
    for i in others:
        v[i] = V[i, c] - v_c
    if (v <= 0).any() or not math.isfinite(v_c):
        raise AnalysisError(f"study {sid}: its contrast variances cannot be split between arms")
    for i in range(k):
        for j in range(k):
            if i != j and np.isnan(V[i, j]):
                V[i, j] = v[i] + v[j]
                T[i, j] = T[i, c] - T[j, c]
    return V, T


def graph(data: NetworkData, treatments: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes (studies, participants per treatment) and edges (per directly compared pair)."""
    n_studies = np.zeros(len(treatments), dtype=int)
    n_part = np.zeros(len(treatments))
    n_known = np.ones(len(treatments), dtype=bool)
    edges: dict[tuple[int, int], list] = {}
    for b in data.studies:
        for a, na in zip(b.arms, b.n_arm, strict=True):
            n_studies[a] += 1
            if np.isfinite(na):
                n_part[a] += na
            else:
                n_known[a] = False
        for x in range(len(b.arms)):
            for y in range(x + 1, len(b.arms)):
                a, c = sorted((int(b.arms[x]), int(b.arms[y])))
                rec = edges.setdefault((a, c), [0, 0.0, True])
                rec[0] += 1
                nn = b.n_arm[x] + b.n_arm[y]
                if np.isfinite(nn):
                    rec[1] += nn
                else:
                    rec[2] = False
    nodes = pd.DataFrame(
        {
            "treatment": treatments,
            "n_studies": n_studies,
            "n_participants": np.where(n_known, n_part, np.nan),
        }
    )
    erows = [
        {
            "treat1": treatments[a],
            "treat2": treatments[c],
            "pair": f"{treatments[a]}:{treatments[c]}",
            "n_studies": v[0],
            "n_participants": v[1] if v[2] else np.nan,
        }
        for (a, c), v in sorted(edges.items())
    ]
    return nodes, pd.DataFrame(erows)
