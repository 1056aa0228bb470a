"""R reference values and data sets for the survival tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from refdata import load_reference

DATA_DIR = Path(__file__).resolve().parents[1] / "reference" / "data"
REF = load_reference("survival_reference")


def dataset(name: str) -> pd.DataFrame:
    """One of the exported R data sets (lung, veteran, aml, ovarian, interval)."""
    d = pd.read_csv(DATA_DIR / f"survival_{name}.csv")
    if name == "lung":
        d["w"] = (np.arange(1, len(d) + 1) % 3) + 1  # the case weights of the R script
    if name == "aml":
        d["nonmaintained"] = (d["x"] == "Nonmaintained").astype(int)
    if name == "interval":
        d["right"] = d["right"].fillna(np.inf)  # R's NA right end = right-censored
    return d


def num(values) -> np.ndarray:
    """JSON list or column (null / missing = R's NA) as a float array with NaN."""
    return pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(float)


def frame(records) -> pd.DataFrame:
    """A data frame written by jsonlite (row records; NA fields are left out)."""
    return pd.DataFrame(records)
