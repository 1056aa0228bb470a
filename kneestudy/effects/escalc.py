"""Effect sizes from arm summaries, with metafor's measure and argument names.

``escalc`` reproduces ``metafor::escalc`` (defaults ``add = 1/2``,
``to = "only0"``, ``vtype = "LS"``) for the measures kneestudy needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

from kneestudy.errors import AnalysisError

__all__ = ["MEASURES", "escalc", "hedges_correction"]

MEASURES: tuple[str, ...] = (
    "MD",
    "SMD",
    "SMDH",
    "SMCC",
    "ROM",
    "RR",
    "OR",
    "PETO",
    "RD",
    "ZCOR",
    "PLO",
)


def hedges_correction(m: np.ndarray) -> np.ndarray:
    r"""Exact small-sample correction :math:`c(m) = \Gamma(m/2) / (\sqrt{m/2}\,
    \Gamma((m-1)/2))` (Hedges 1981), computed on the log scale."""
    m = np.asarray(m, float)
    return np.exp(gammaln(m / 2) - 0.5 * np.log(m / 2) - gammaln((m - 1) / 2))


def _col(name, value, data):
    if value is None:
        return None
    if isinstance(value, str):
        if data is None or value not in data.columns:
            raise AnalysisError(f"{name}={value!r} names no column of data")
        value = data[value]
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    return arr


def _need(measure, **cols):
    missing = [k for k, v in cols.items() if v is None]
    if missing:
        raise AnalysisError(f"measure {measure!r} needs {missing}")
    lens = {len(v) for v in cols.values()}
    if len(lens) > 1:
        raise AnalysisError(f"arguments of measure {measure!r} differ in length: {lens}")
    for k, v in cols.items():
        if np.isnan(v).any():
            raise AnalysisError(f"{k} has missing values; drop those rows first")


def escalc(
    measure: str,
    *,
    m1i=None,
    sd1i=None,
    n1i=None,
    m2i=None,
    sd2i=None,
    n2i=None,
    ai=None,
    bi=None,
    ci=None,
    di=None,
    ni=None,
    ri=None,
    xi=None,
    mi=None,
    to: str = "only0",
    add: float = 0.5,
    vtype: str = "LS",
    data: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Effect sizes and sampling variances from summary data (``metafor::escalc``).

    Arguments are arrays (or, with ``data``, column names). Group 1 is the
    treatment, group 2 the comparator.

    Measures
    --------
    MD
        :math:`y = \bar x_1 - \bar x_2`, :math:`v = s_1^2/n_1 + s_2^2/n_2`.
    SMD
        Hedges' g: :math:`y = c(m)\,(\bar x_1 - \bar x_2)/s_p`, pooled SD
        :math:`s_p`, :math:`m = n_1 + n_2 - 2`, exact :func:`hedges_correction`;
        ``vtype="LS"``: :math:`v = 1/n_1 + 1/n_2 + y^2/(2(n_1+n_2))`.
        With change-from-baseline means and SDs this is the change-score SMD.
    SMDH
        Bonett's heteroscedastic SMD: :math:`s = \sqrt{(s_1^2+s_2^2)/2}`,
        :math:`y = c(m)(\bar x_1-\bar x_2)/s`, variance of Bonett (2009)
        times :math:`c(m)^2`.
    ROM
        Log ratio of means :math:`y = \log(\bar x_1/\bar x_2)`,
        :math:`v = s_1^2/(n_1\bar x_1^2) + s_2^2/(n_2\bar x_2^2)` (means must
        be positive; Hedges, Gurevitch & Curtis 1999).
    SMCC
        Standardised mean change of one group with change-score
        standardisation: ``m1i``/``sd1i`` at follow-up, ``m2i``/``sd2i`` at
        baseline, ``ni``, correlation ``ri``;
        :math:`s_d = \sqrt{s_1^2 + s_2^2 - 2 r s_1 s_2}`,
        :math:`y = c(n-1)(\bar x_1 - \bar x_2)/s_d`, :math:`v = 1/n + y^2/(2n)`.
    RR, OR
        Log risk ratio / log odds ratio from a 2×2 table (``ai, bi, ci, di`` or
        ``ai, n1i, ci, n2i``): :math:`v = 1/a - 1/n_1 + 1/c - 1/n_2` and
        :math:`v = 1/a + 1/b + 1/c + 1/d`.
    PETO
        Peto's one-step log odds ratio: with :math:`N = n_1 + n_2`,
        :math:`E = n_1 (a+c)/N` and hypergeometric variance
        :math:`V = (a+c)(b+d) n_1 n_2 / (N^2 (N-1))`,
        :math:`y = (a - E)/V`, :math:`v = 1/V` (Yusuf et al. 1985).
    RD
        Risk difference :math:`p_1 - p_2`,
        :math:`v = p_1(1-p_1)/n_1 + p_2(1-p_2)/n_2`.
    ZCOR
        Fisher's r-to-z transformed correlation of ``ri`` in ``ni`` pairs:
        :math:`y = \operatorname{atanh}(r)`, :math:`v = 1/(n-3)`.
    PLO
        Log odds of one proportion, ``xi`` events of ``ni`` (or ``xi`` and
        non-events ``mi``): :math:`y = \log(x/(n-x))`, :math:`v = 1/x + 1/(n-x)`.

    Zero cells (``to="only0"``, metafor's default): ``add`` (1/2) is added to
    every cell of a table with a zero cell, for RR, OR, PETO and RD alike
    (and to events and non-events for PLO). ``to`` may also be ``"all"``,
    ``"if0all"`` or ``"none"``.

    Returns
    -------
    DataFrame
        ``data`` (if given) with ``yi`` and ``vi`` appended, else ``yi, vi``.

    References
    ----------
    Viechtbauer W. Conducting meta-analyses in R with the metafor package.
    J Stat Softw 2010;36(3). Hedges LV. J Educ Stat 1981;6:107–28.
    Bonett DG. Psychol Methods 2009;14:225–38. Hedges LV, Gurevitch J, Curtis
    PS. Ecology 1999;80:1150–6. Yusuf S, Peto R, Lewis J, Collins R, Sleight P.
    Prog Cardiovasc Dis 1985;27:335–71.

    Examples
    --------
    >>> from kneestudy.effects import escalc
    >>> escalc("MD", m1i=[2.0], sd1i=[1.0], n1i=[10], m2i=[3.0], sd2i=[1.0], n2i=[10])
        yi   vi
    0 -1.0  0.2
    """
    measure = measure.upper()
    if measure not in MEASURES:
        raise AnalysisError(f"unknown measure {measure!r}; expected one of {list(MEASURES)}")
    if vtype != "LS":
        raise AnalysisError("only vtype='LS' (metafor's default) is implemented")
    if to not in ("only0", "all", "if0all", "none"):
        raise AnalysisError(f"to must be 'only0', 'all', 'if0all' or 'none', got {to!r}")
    g = {k: _col(k, v, data) for k, v in dict(
        m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i,
        ai=ai, bi=bi, ci=ci, di=di, ni=ni, ri=ri, xi=xi, mi=mi,
    ).items()}  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure in ("MD", "SMD", "SMDH", "ROM"):
            cols = {k: g[k] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
            _need(measure, **cols)
            m1, s1, n1, m2, s2, n2 = cols.values()
            if (s1 < 0).any() or (s2 < 0).any() or (n1 < 1).any() or (n2 < 1).any():
                raise AnalysisError("SDs must be ≥ 0 and group sizes ≥ 1")
            if measure == "MD":
                yi = m1 - m2
                vi = s1**2 / n1 + s2**2 / n2
            elif measure == "ROM":
                bad = (m1 <= 0) | (m2 <= 0)
                if bad.any():
                    raise AnalysisError(
                        "the ratio of means needs positive means; zero or negative at rows "
                        f"{np.flatnonzero(bad).tolist()}"
                    )
                yi = np.log(m1 / m2)
                vi = s1**2 / (n1 * m1**2) + s2**2 / (n2 * m2**2)
            elif measure == "SMD":
                mi = n1 + n2 - 2
                sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / mi)
                _positive(sp, "pooled SD")
                yi = hedges_correction(mi) * (m1 - m2) / sp
                vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
            else:
                mi = n1 + n2 - 2
                cm = hedges_correction(mi)
                sd = np.sqrt((s1**2 + s2**2) / 2)
                _positive(sd, "average SD")
                yi = cm * (m1 - m2) / sd
                vi = yi**2 * (s1**4 / (n1 - 1) + s2**4 / (n2 - 1)) / (2 * (s1**2 + s2**2) ** 2) + (
                    s1**2 / (n1 - 1) + s2**2 / (n2 - 1)
                ) / ((s1**2 + s2**2) / 2)
                vi = cm**2 * vi
        elif measure == "SMCC":
            cols = {k: g[k] for k in ("m1i", "sd1i", "m2i", "sd2i", "ni", "ri")}
            _need(measure, **cols)
            m1, s1, m2, s2, n, r = cols.values()
            sdd = np.sqrt(s1**2 + s2**2 - 2 * r * s1 * s2)
            _positive(sdd, "SD of the change")
            yi = hedges_correction(n - 1) * (m1 - m2) / sdd
            vi = 1 / n + yi**2 / (2 * n)
        elif measure == "ZCOR":
            cols = {k: g[k] for k in ("ri", "ni")}
            _need(measure, **cols)
            r, n = cols.values()
            if (np.abs(r) >= 1).any():
                raise AnalysisError("correlations must lie strictly between -1 and 1 for ZCOR")
            if (n <= 3).any():
                raise AnalysisError("ZCOR needs more than 3 pairs (its variance is 1/(n - 3))")
            yi = np.arctanh(r)
            vi = 1 / (n - 3)
        elif measure == "PLO":
            x = g["xi"]
            m = g["mi"] if g["mi"] is not None else (None if g["ni"] is None else g["ni"] - x)
            if x is None or m is None:
                raise AnalysisError("measure 'PLO' needs xi and ni (or xi and mi)")
            _need(measure, xi=x, mi=m)
            if (x < 0).any() or (m < 0).any():
                raise AnalysisError("counts must be ≥ 0 (events ≤ group size)")
            if ((x + m) == 0).any():
                raise AnalysisError("a group of size 0 has no proportion")
            tab = _add_zero(np.array([x, m], float), to, add)
            x, m = tab
            yi = np.log(x / m)
            vi = 1 / x + 1 / m
        else:
            a, c = g["ai"], g["ci"]
            if g["bi"] is not None and g["di"] is not None:
                b, d = g["bi"], g["di"]
            elif g["n1i"] is not None and g["n2i"] is not None and a is not None and c is not None:
                b, d = g["n1i"] - a, g["n2i"] - c
            else:
                raise AnalysisError(f"measure {measure!r} needs ai, bi, ci, di or ai, n1i, ci, n2i")
            _need(measure, ai=a, bi=b, ci=c, di=d)
            if (np.array([a, b, c, d]) < 0).any():
                raise AnalysisError("cell counts must be ≥ 0 (events ≤ group size)")
            tab = np.array([a, b, c, d], float)
            if ((tab[0] + tab[1]) == 0).any() or ((tab[2] + tab[3]) == 0).any():
                raise AnalysisError("a group of size 0 has no risk")
            a, b, c, d = _add_zero(tab, to, add)
            n1, n2 = a + b, c + d
            p1, p2 = a / n1, c / n2
            if measure == "RR":
                yi = np.log(p1 / p2)
                vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
            elif measure == "OR":
                yi = np.log(a * d / (b * c))
                vi = 1 / a + 1 / b + 1 / c + 1 / d
            elif measure == "PETO":
                n = n1 + n2
                e = (a + c) * n1 / n
                v = (a + c) * (b + d) * (n1 / n) * (n2 / n) / (n - 1)
                yi = (a - e) / v
                vi = 1 / v
            else:
                yi = p1 - p2
                vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    out = pd.DataFrame({"yi": yi, "vi": vi})
    if data is not None:
        if len(data) != len(out):
            raise AnalysisError("data and the effect sizes differ in length")
        out = pd.concat([data.reset_index(drop=True), out], axis=1)
    return out


def _add_zero(tab: np.ndarray, to: str, add: float) -> np.ndarray:
    """metafor's zero-cell handling: ``add`` to every cell of a table (column) with a zero."""
    zero = (tab == 0).any(axis=0)
    if to == "all":
        return tab + add
    if to == "only0":
        return tab + add * zero
    if to == "if0all" and zero.any():
        return tab + add
    return tab


def _positive(sd: np.ndarray, what: str) -> None:
    if (~np.isfinite(sd) | (sd <= 0)).any():
        raise AnalysisError(f"the {what} is zero or undefined in some rows; no SMD there")
