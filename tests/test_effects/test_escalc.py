"""escalc against metafor::escalc (tests/reference/effects_escalc.R)."""

import numpy as np
import pandas as pd
import pytest
from refdata import load_reference

from kneestudy.effects import escalc
from kneestudy.errors import AnalysisError

REF = load_reference("effects_escalc")
# Closed forms: agreement to floating-point rounding (1e-10 relative).
RTOL, ATOL = 1e-10, 1e-13


@pytest.mark.parametrize("measure", ["MD", "SMD", "SMDH"])
def test_continuous_normand1999(measure):
    r = REF[f"normand_{measure}"]
    args = {k: r[k] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    out = escalc(measure, **args)
    np.testing.assert_allclose(out["yi"], r["yi"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(out["vi"], r["vi"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_binary_bcg(measure):
    r = REF[f"bcg_{measure}"]
    out = escalc(measure, ai=r["ai"], bi=r["bi"], ci=r["ci"], di=r["di"])
    np.testing.assert_allclose(out["yi"], r["yi"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(out["vi"], r["vi"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_zero_cells_add_half(measure):
    r = REF[f"zero_{measure}"]
    out = escalc(measure, ai=r["ai"], n1i=r["n1i"], ci=r["ci"], n2i=r["n2i"])
    np.testing.assert_allclose(out["yi"], r["yi"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(out["vi"], r["vi"], rtol=RTOL, atol=ATOL)


def test_smcc():
    r = REF["smcc"]
    out = escalc(
        "SMCC", m1i=r["m1i"], m2i=r["m2i"], sd1i=r["sd1i"], sd2i=r["sd2i"], ni=r["ni"], ri=r["ri"]
    )
    np.testing.assert_allclose(out["yi"], r["yi"], rtol=RTOL)
    np.testing.assert_allclose(out["vi"], r["vi"], rtol=RTOL)


def test_data_columns_kept():
    r = REF["normand_MD"]
    df = pd.DataFrame({k: r[k] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")})
    out = escalc(
        "MD", m1i="m1i", sd1i="sd1i", n1i="n1i", m2i="m2i", sd2i="sd2i", n2i="n2i", data=df
    )
    assert list(out.columns) == [*df.columns, "yi", "vi"]
    np.testing.assert_allclose(out["yi"], r["yi"], rtol=RTOL)


def test_bad_input():
    with pytest.raises(AnalysisError, match="unknown measure"):
        escalc("XYZ", m1i=[1])
    with pytest.raises(AnalysisError, match="needs"):
        escalc("MD", m1i=[1.0], sd1i=[1.0])
    with pytest.raises(AnalysisError, match="zero"):
        escalc("SMD", m1i=[1.0], sd1i=[0.0], n1i=[5], m2i=[1.0], sd2i=[0.0], n2i=[5])
    with pytest.raises(AnalysisError, match="missing"):
        escalc("RR", ai=[np.nan], bi=[1], ci=[1], di=[1])
    with pytest.raises(AnalysisError, match="≥ 0"):
        escalc("RR", ai=[5], n1i=[3], ci=[1], n2i=[4])


@pytest.mark.parametrize("key", ["bcg_PETO", "zero_PETO"])
def test_peto(key):
    r = REF[key]
    if "bi" in r:
        out = escalc("PETO", ai=r["ai"], bi=r["bi"], ci=r["ci"], di=r["di"])
    else:  # tables with zero cells: metafor adds 1/2 to every cell there too
        out = escalc("PETO", ai=r["ai"], n1i=r["n1i"], ci=r["ci"], n2i=r["n2i"])
    np.testing.assert_allclose(out["yi"], r["yi"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(out["vi"], r["vi"], rtol=RTOL, atol=ATOL)


def test_ratio_of_means():
    r = REF["normand_ROM"]
    args = {k: r[k] for k in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")}
    out = escalc("ROM", **args)
    np.testing.assert_allclose(out["yi"], r["yi"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(out["vi"], r["vi"], rtol=RTOL, atol=ATOL)
    with pytest.raises(AnalysisError, match="positive means; zero or negative at rows \\[1\\]"):
        escalc("ROM", m1i=[2, 0], sd1i=[1, 1], n1i=[10, 10], m2i=[3, 3], sd2i=[1, 1], n2i=[9, 9])


def test_fisher_z():
    r = REF["mcdaniel_ZCOR"]
    out = escalc("ZCOR", ri=r["ri"], ni=r["ni"])
    np.testing.assert_allclose(out["yi"], r["yi"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(out["vi"], r["vi"], rtol=RTOL, atol=ATOL)
    with pytest.raises(AnalysisError, match="more than 3 pairs"):
        escalc("ZCOR", ri=[0.3], ni=[3])
    with pytest.raises(AnalysisError, match="strictly between"):
        escalc("ZCOR", ri=[1.0], ni=[30])


def test_log_odds_of_a_proportion():
    r = REF["pritz_PLO"]
    out = escalc("PLO", xi=r["xi"], ni=r["ni"])
    np.testing.assert_allclose(out["yi"], r["yi"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(out["vi"], r["vi"], rtol=RTOL, atol=ATOL)
    mi = np.asarray(r["ni"]) - np.asarray(r["xi"])
    np.testing.assert_array_equal(escalc("PLO", xi=r["xi"], mi=mi)["yi"], out["yi"])
    with pytest.raises(AnalysisError, match="needs xi and ni"):
        escalc("PLO", xi=[3])
