"""pandera models of study-level (literature) tables: arm summaries and contrasts."""

# pandera reads Optional[...] as an optional column; keep the typing form.
# ruff: noqa: UP045
from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from kneestudy.schemas.cohort import ID_PATTERN
from kneestudy.schemas.instruments import INSTRUMENTS

__all__ = [
    "MEASURES",
    "OUTCOME_PATTERN",
    "PUBLISHED_MEASURES",
    "ArmSummaries",
    "Contrasts",
    "Studies",
]

#: Effect measures a published contrast may use.
MEASURES: tuple[str, ...] = ("MD", "SMD", "logOR", "logRR", "logHR")
#: Measures as a paper prints them (ratios not logged); see ``published_*`` columns.
PUBLISHED_MEASURES: tuple[str, ...] = ("MD", "SMD", "OR", "RR", "HR")
#: Outcome codes: lower-case words joined by "_" (pain, akps, recovered, ...).
OUTCOME_PATTERN = r"^[a-z][a-z0-9_]*$"


class ArmSummaries(pa.DataFrameModel):
    """One row per study arm, outcome and week (published or shared summaries)."""

    study_id: Series[str] = pa.Field(str_matches=ID_PATTERN, description="Study identifier.")
    arm: Series[str] = pa.Field(description="Arm label as published.")
    intervention: Series[str] = pa.Field(
        description="Registry code(s) of the arm.", metadata={"rules": ["known_code"]}
    )
    outcome: Series[str] = pa.Field(
        str_matches=OUTCOME_PATTERN, description="Outcome code (pain, akps, recovered, ...)."
    )
    week: Series[float] = pa.Field(ge=0, description="Weeks since randomisation.")
    n: Series[pd.Int64Dtype] = pa.Field(ge=1, description="Participants analysed in the arm.")
    mean: Series[float] = pa.Field(
        nullable=True,
        description="Mean (continuous outcomes); with sd, or events given instead.",
        metadata={"rules": ["summary_present"]},
    )
    sd: Series[float] = pa.Field(nullable=True, ge=0, description="Standard deviation.")
    events: Series[pd.Int64Dtype] = pa.Field(
        nullable=True,
        ge=0,
        description="Participants with the event (binary outcomes); at most n.",
        metadata={"rules": ["events_le_n"]},
    )
    change: Series[pd.BooleanDtype] = pa.Field(
        nullable=True, description="True when mean and sd are change from baseline."
    )
    source: Optional[Series[str]] = pa.Field(
        nullable=True, description="Citation of the published figure, or `synthetic`."
    )
    risk_of_bias: Optional[Series[str]] = pa.Field(
        nullable=True,
        isin=["low", "some_concerns", "high"],
        description="Risk of bias: low, some_concerns or high.",
    )
    published_ci_low: Optional[Series[float]] = pa.Field(
        nullable=True, description="Lower limit of a published CI of the mean (to derive sd)."
    )
    published_ci_high: Optional[Series[float]] = pa.Field(
        nullable=True, description="Upper limit of a published CI of the mean (to derive sd)."
    )
    published_se: Optional[Series[float]] = pa.Field(
        nullable=True, ge=0, description="Published standard error of the mean (to derive sd)."
    )
    population: Optional[Series[str]] = pa.Field(
        nullable=True, description="Population studied, when not patellofemoral pain."
    )
    note: Optional[Series[str]] = pa.Field(nullable=True, description="Free note.")
    instrument: Optional[Series[str]] = pa.Field(
        nullable=True,
        isin=list(INSTRUMENTS),
        description="Instrument the numbers were measured on (see kneestudy.schemas.instruments).",
    )
    instrument_detail: Optional[Series[str]] = pa.Field(
        nullable=True, description="What was asked or the success threshold, as published."
    )
    timepoint: Optional[Series[str]] = pa.Field(
        nullable=True, description="Time point as the source states it (e.g. `3 months`)."
    )
    doi: Optional[Series[str]] = pa.Field(nullable=True, description="DOI of the source.")
    pmid: Optional[Series[str]] = pa.Field(
        nullable=True, str_matches=r"^[0-9]{1,9}$", description="PubMed id of the source."
    )
    quote: Optional[Series[str]] = pa.Field(
        nullable=True,
        description="Verbatim sentence or table cell holding every published number of the row.",
    )
    derivation: Optional[Series[str]] = pa.Field(
        nullable=True, description="How a number not printed in the source was derived."
    )
    location: Optional[Series[str]] = pa.Field(
        nullable=True, description="Where in the source the quote stands (table, page)."
    )
    meta_analysis: Optional[Series[pd.BooleanDtype]] = pa.Field(
        nullable=True, description="True when the figure pools several trials (a meta-analysis)."
    )

    class Config:
        name = "arm_summaries"
        strict = False
        unique = ["study_id", "arm", "outcome", "week"]


class Contrasts(pa.DataFrameModel):
    """One row per published between-arm contrast."""

    study_id: Series[str] = pa.Field(str_matches=ID_PATTERN, description="Study identifier.")
    treatment: Series[str] = pa.Field(
        description="Registry code(s) of the treatment arm.", metadata={"rules": ["known_code"]}
    )
    comparator: Series[str] = pa.Field(
        description="Registry code(s) of the comparator arm; differs from treatment.",
        metadata={"rules": ["known_code", "distinct_arms"]},
    )
    outcome: Series[str] = pa.Field(
        str_matches=OUTCOME_PATTERN, description="Outcome code (pain, akps, recovered, ...)."
    )
    week: Series[float] = pa.Field(ge=0, description="Weeks since randomisation.")
    measure: Series[str] = pa.Field(
        isin=list(MEASURES), description="Effect measure: MD, SMD, logOR, logRR or logHR."
    )
    estimate: Series[float] = pa.Field(
        description="Estimate, treatment minus comparator (log scale for ratios).",
        metadata={"rules": ["finite"]},
    )
    se: Series[float] = pa.Field(gt=0, description="Standard error of the estimate (> 0).")
    n_treatment: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, ge=1, description="Participants in the treatment arm."
    )
    n_comparator: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, ge=1, description="Participants in the comparator arm."
    )
    source: Series[str] = pa.Field(description="Citation of the published figure.")
    population: Optional[Series[str]] = pa.Field(
        nullable=True, description="Population studied, when not patellofemoral pain."
    )
    risk_of_bias: Optional[Series[str]] = pa.Field(
        nullable=True,
        isin=["low", "some_concerns", "high"],
        description="Risk of bias: low, some_concerns or high.",
    )
    note: Optional[Series[str]] = pa.Field(nullable=True, description="Free note.")
    published_measure: Optional[Series[str]] = pa.Field(
        nullable=True,
        isin=list(PUBLISHED_MEASURES),
        description="Measure as published (MD, SMD, OR, RR, HR; ratios not logged).",
    )
    published_estimate: Optional[Series[float]] = pa.Field(
        nullable=True, description="Estimate as published."
    )
    published_ci_low: Optional[Series[float]] = pa.Field(
        nullable=True, description="Lower confidence limit as published."
    )
    published_ci_high: Optional[Series[float]] = pa.Field(
        nullable=True, description="Upper confidence limit as published."
    )
    published_se: Optional[Series[float]] = pa.Field(
        nullable=True, ge=0, description="Standard error as published."
    )
    published_p: Optional[Series[float]] = pa.Field(
        nullable=True, ge=0, le=1, description="P value as published (when no CI or SE is)."
    )
    instrument: Optional[Series[str]] = pa.Field(
        nullable=True,
        isin=list(INSTRUMENTS),
        description="Instrument the numbers were measured on (see kneestudy.schemas.instruments).",
    )
    instrument_detail: Optional[Series[str]] = pa.Field(
        nullable=True, description="What was asked or the success threshold, as published."
    )
    timepoint: Optional[Series[str]] = pa.Field(
        nullable=True, description="Time point as the source states it (e.g. `3 months`)."
    )
    doi: Optional[Series[str]] = pa.Field(nullable=True, description="DOI of the source.")
    pmid: Optional[Series[str]] = pa.Field(
        nullable=True, str_matches=r"^[0-9]{1,9}$", description="PubMed id of the source."
    )
    quote: Optional[Series[str]] = pa.Field(
        nullable=True,
        description="Verbatim sentence or table cell holding every published number of the row.",
    )
    derivation: Optional[Series[str]] = pa.Field(
        nullable=True, description="How a number not printed in the source was derived."
    )
    location: Optional[Series[str]] = pa.Field(
        nullable=True, description="Where in the source the quote stands (table, page)."
    )
    meta_analysis: Optional[Series[pd.BooleanDtype]] = pa.Field(
        nullable=True, description="True when the figure pools several trials (a meta-analysis)."
    )

    class Config:
        name = "contrasts"
        strict = False


_ROB = ["low", "some_concerns", "high"]


def _rob_domain(what: str) -> pa.Field:
    return pa.Field(nullable=True, isin=_ROB, description=f"RoB 2 domain: {what}.")


class Studies(pa.DataFrameModel):
    """One row per published study: citation and risk of bias (RoB 2 domains where given).

    The risk-of-bias domains follow RoB 2 (Sterne JAC et al. 2019, BMJ
    366:l4898): D1 randomisation process, D2 deviations from intended
    interventions, D3 missing outcome data, D4 measurement of the outcome,
    D5 selection of the reported result, and the overall judgement.
    """

    study_id: Series[str] = pa.Field(
        str_matches=ID_PATTERN, unique=True, description="Study identifier (as in the rows)."
    )
    citation: Series[str] = pa.Field(description="Citation of the main report.")
    doi: Optional[Series[str]] = pa.Field(nullable=True, description="DOI of the main report.")
    pmid: Optional[Series[str]] = pa.Field(
        nullable=True, str_matches=r"^[0-9]{1,9}$", description="PubMed id of the main report."
    )
    url: Optional[Series[str]] = pa.Field(nullable=True, description="Where the text was read.")
    title: Optional[Series[str]] = pa.Field(nullable=True, description="Title of the study.")
    design: Optional[Series[str]] = pa.Field(
        nullable=True,
        isin=["parallel", "crossover", "cluster", "meta_analysis"],
        description="parallel, crossover, cluster, or meta_analysis (a pooled estimate).",
    )
    population: Optional[Series[str]] = pa.Field(
        nullable=True, description="Population studied (patellofemoral pain unless stated)."
    )
    n_randomised: Optional[Series[pd.Int64Dtype]] = pa.Field(
        nullable=True, ge=1, description="Participants randomised."
    )
    risk_of_bias: Series[str] = pa.Field(isin=_ROB, description="Overall risk of bias.")
    rob_source: Optional[Series[str]] = pa.Field(
        nullable=True,
        isin=["published", "own"],
        description="published (a review's judgement) or own (kneestudy's RoB 2 judgement).",
    )
    rob_review: Optional[Series[str]] = pa.Field(
        nullable=True, description="The review whose judgement is used."
    )
    rob_reason: Optional[Series[str]] = pa.Field(
        nullable=True, description="Reasons for domains that are not at low risk."
    )
    randomisation: Optional[Series[str]] = _rob_domain("D1 randomisation process")
    deviations: Optional[Series[str]] = _rob_domain("D2 deviations from intended interventions")
    missing_data: Optional[Series[str]] = _rob_domain("D3 missing outcome data")
    measurement: Optional[Series[str]] = _rob_domain("D4 measurement of the outcome")
    selection: Optional[Series[str]] = _rob_domain("D5 selection of the reported result")
    note: Optional[Series[str]] = pa.Field(nullable=True, description="Free note.")

    class Config:
        name = "studies"
        strict = False
