"""logrank against R's survdiff (plain, Fleming-Harrington rho, stratified)."""

from __future__ import annotations

import numpy as np
import pytest

from kneestudy.errors import AnalysisError
from kneestudy.survival import logrank

from ._data import REF, dataset

# survdiff is a closed form -> rounding-level agreement, 1e-10 relative.
TOL = 1e-10

CASES = {
    "lung_sex": ("lung", "sex", None, 0.0),
    "lung_sex_rho1": ("lung", "sex", None, 1.0),
    "veteran_celltype": ("veteran", "celltype", None, 0.0),
    "veteran_trt_strata": ("veteran", "trt", "celltype", 0.0),
    "veteran_trt_strata_rho05": ("veteran", "trt", "celltype", 0.5),
    "aml_x": ("aml", "x", None, 0.0),
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_matches_survdiff(key):
    ds, g, s, rho = CASES[key]
    d = dataset(ds)
    ref = REF["logrank"][key]
    res = logrank(d["time"], d["status"], d[g], None if s is None else d[s], rho=rho)
    np.testing.assert_allclose(res.statistic, ref["chisq"], rtol=TOL)
    np.testing.assert_allclose(res.p_value, ref["p"], rtol=TOL)
    assert res.df == ref["df"]
    np.testing.assert_allclose(res.table["observed"], ref["observed"], rtol=TOL)
    np.testing.assert_allclose(res.table["expected"], ref["expected"], rtol=TOL)
    np.testing.assert_allclose(
        res.variance, np.array(ref["var"]).reshape(res.variance.shape), rtol=TOL, atol=1e-12
    )


def test_single_group_is_a_clear_error():
    with pytest.raises(AnalysisError, match="only one"):
        logrank([1, 2, 3], [1, 1, 1], ["a", "a", "a"])


def test_group_without_events_is_defined():
    res = logrank([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0], ["a", "a", "a", "b", "b", "b"])
    assert np.isfinite(res.statistic) and res.table["observed"].iloc[1] == 0


def test_no_events_at_all_is_a_clear_error():
    with pytest.raises(AnalysisError, match="singular"):
        logrank([1, 2, 3, 4], [0, 0, 0, 0], ["a", "b", "a", "b"])


def test_gamma_zero_equals_survdiff_and_gamma_changes_it():
    d = dataset("lung")
    a = logrank(d["time"], d["status"], d["sex"], rho=1, gamma=0)
    b = logrank(d["time"], d["status"], d["sex"], rho=1, gamma=1)
    np.testing.assert_allclose(a.statistic, REF["logrank"]["lung_sex_rho1"]["chisq"], rtol=TOL)
    assert abs(a.statistic - b.statistic) > 1e-3
