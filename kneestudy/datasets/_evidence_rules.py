"""Rules of the evidence base's trial files: fields, codes, the quote test, derived numbers.

Every number of a row must be printed in the row's verbatim ``quote``
(:func:`numbers_in`, :func:`in_quote`). Numbers a paper does not print are
derived from printed ones by the Cochrane Handbook's methods (Higgins JPT et
al., eds. Cochrane Handbook for Systematic Reviews of Interventions, version
6.4, 2023, §6.5.2):

- SD of an arm mean from its confidence interval (§6.5.2.2):
  ``sd = sqrt(n) * (upper - lower) / (2 * q)`` with ``q`` the t quantile on
  ``n - 1`` df when ``n < 60`` and the normal quantile otherwise;
- SD from the standard error of the mean (§6.5.2.2): ``sd = se * sqrt(n)``;
- SE of a difference in means from its CI (§6.5.2.3):
  ``se = (upper - lower) / (2 * q)``, ``q`` the t quantile on
  ``n1 + n2 - 2`` df when both arm sizes are printed and sum to fewer than
  60, else the normal quantile;
- SE of a ratio from its CI (§6.5.2.3, on the log scale):
  ``se = (log(upper) - log(lower)) / (2 * z)``;
- SE from a P value (§6.5.2.3): ``se = |estimate| / z(1 - p/2)``
  (log scale for ratios; approximate, and said so).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scipy import stats

from kneestudy.interventions import IDEAS, unknown_codes
from kneestudy.schemas.cohort import ID_PATTERN
from kneestudy.schemas.instruments import INSTRUMENTS

__all__ = [
    "OUTCOMES",
    "Problem",
    "arm_sd",
    "contrast_se",
    "family_of",
    "in_quote",
    "numbers_in",
]

#: Outcome families of published rows; a further measure of the same family in
#: one trial is ``<family>_<what>`` (e.g. ``pain_usual`` beside ``pain``).
OUTCOMES = ("pain", "akps", "function", "recovered", "adverse_events")
ROB = ("low", "some_concerns", "high")
ROB_DOMAINS = ("randomisation", "deviations", "missing_data", "measurement", "selection")
DESIGNS = ("parallel", "crossover", "cluster")
RATIOS = {"OR": "logOR", "RR": "logRR", "HR": "logHR"}
MEASURE_OF = {"MD": "MD", "SMD": "SMD", **RATIOS}
_NUMBER = re.compile(r"\d+(?:[.,\u00b7]\d+)*|[.\u00b7]\d+")
_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()  # fmt: skip
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD = re.compile(
    r"\b(?:("
    + "|".join(_TENS)
    + r")(?:[-\s]("
    + "|".join(_UNITS[1:10])
    + r"))?|("
    + "|".join(_UNITS)
    + r"))\b",
    re.IGNORECASE,
)


def _word_numbers(quote: str) -> list[float]:
    """Whole numbers below 100 written as English words ("Forty-nine patients")."""
    out = []
    for tens, unit, single in _WORD.findall(quote):
        if single:
            out.append(float(_UNITS.index(single.lower())))
        else:
            out.append(10.0 * (_TENS.index(tens.lower()) + 2) + (
                _UNITS.index(unit.lower()) if unit else 0))  # fmt: skip
    return out


@dataclass(frozen=True)
class Problem:
    """One problem in a trial file: where it is and what is wrong."""

    file: str
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        at = f" {self.where}" if self.where else ""
        fld = f" [{self.field}]" if self.field else ""
        return f"{self.file}:{at}{fld}: {self.message}"


def family_of(outcome: Any) -> str | None:
    """The outcome family of an outcome code (``pain_usual`` -> ``pain``), or None."""
    if not isinstance(outcome, str):
        return None
    for o in OUTCOMES:
        if outcome == o or (outcome.startswith(o + "_") and len(outcome) > len(o) + 1):
            return o
    return None


def numbers_in(quote: str) -> list[float]:
    """Absolute values of the numbers printed in ``quote``.

    Decimal points may be ``.``, ``,`` or the middle dot ``·``; a leading
    point (``P = .30``) is read as ``0.30``; a comma between groups of three
    digits is read both as a thousands separator and as a decimal comma.
    Signs are not read: a published difference may be printed as comparator
    minus treatment, and ranges use dashes. Whole numbers below 100 written
    as words ("Forty-nine patients") are read too.
    """
    out: list[float] = _word_numbers(quote)
    for tok in _NUMBER.findall(quote):
        tok = tok.replace("\u00b7", ".")
        if tok.startswith("."):
            tok = "0" + tok
        candidates = set()
        if "," in tok:
            if re.fullmatch(r"\d{1,3}(,\d{3})+", tok):
                candidates.add(tok.replace(",", ""))
            if tok.count(",") == 1 and "." not in tok:
                candidates.add(tok.replace(",", "."))
        else:
            candidates.add(tok)
        for c in candidates:
            try:
                out.append(float(c))
            except ValueError:
                continue
    return out


def in_quote(value: float, quote: str) -> bool:
    """True when ``|value|`` is printed in ``quote`` (to the printed precision)."""
    v = abs(float(value))
    return any(math.isclose(v, x, rel_tol=1e-9, abs_tol=1e-12) for x in numbers_in(quote))


def _q(level: float, df: float | None) -> float:
    p = (1 + level) / 2
    return float(stats.t.ppf(p, df)) if df is not None else float(stats.norm.ppf(p))


def arm_sd(row: Mapping[str, Any]) -> tuple[float, str]:
    """SD of an arm's mean and how it was obtained (module doc; Handbook §6.5.2.2)."""
    n = int(row["n"])
    if row.get("sd") is not None:
        return float(row["sd"]), ""
    level = float(row.get("ci_level", 0.95))
    if row.get("ci_low") is not None and row.get("ci_high") is not None:
        df = n - 1 if n < 60 else None
        q = _q(level, df)
        sd = math.sqrt(n) * (float(row["ci_high"]) - float(row["ci_low"])) / (2 * q)
        dist = f"t quantile on {n - 1} df (n < 60)" if df else "normal quantile"
        return sd, (
            f"sd = sqrt(n) * (upper - lower) / (2 * {q:.4f}) from the published "
            f"{level:.0%} CI of the mean, {dist} (Cochrane Handbook 6.5.2.2)"
        )
    if row.get("se") is not None:
        return float(row["se"]) * math.sqrt(n), (
            "sd = se * sqrt(n) from the published standard error (Cochrane Handbook 6.5.2.2)"
        )
    return float("nan"), ""


def contrast_se(row: Mapping[str, Any]) -> tuple[float, float, str]:
    """Estimate on the analysis scale, its SE, and how the SE was obtained (module doc)."""
    m = str(row["measure"])
    est = float(row["estimate"])
    ratio = m in RATIOS
    y = math.log(est) if ratio else est
    if row.get("se") is not None:
        se = float(row["se"])
        if ratio:
            return y, se, "se as published (assumed on the log scale)"
        return y, se, ""
    level = float(row.get("ci_level", 0.95))
    lo, hi = row.get("ci_low"), row.get("ci_high")
    if lo is not None and hi is not None:
        if ratio:
            z = _q(level, None)
            se = (math.log(float(hi)) - math.log(float(lo))) / (2 * z)
            return (
                y,
                se,
                (
                    f"se = (log(upper) - log(lower)) / (2 * {z:.4f}) from the published "
                    f"{level:.0%} CI (Cochrane Handbook 6.5.2.3)"
                ),
            )
        n1, n2 = row.get("n_treatment"), row.get("n_comparator")
        df = int(n1) + int(n2) - 2 if n1 is not None and n2 is not None and n1 + n2 < 60 else None
        q = _q(level, df)
        dist = f"t quantile on {df} df (n1 + n2 < 60)" if df else "normal quantile"
        return (
            y,
            (float(hi) - float(lo)) / (2 * q),
            (
                f"se = (upper - lower) / (2 * {q:.4f}) from the published {level:.0%} CI, "
                f"{dist} (Cochrane Handbook 6.5.2.3)"
            ),
        )
    p = row.get("p")
    if p is not None:
        z = float(stats.norm.isf(float(p) / 2))
        return (
            y,
            abs(y) / z,
            (
                f"se = |estimate| / {z:.4f} from the published P = {p:g} (Cochrane Handbook 6.5.2.3; "
                "approximate)"
            ),
        )
    return y, float("nan"), ""


class TrialChecker:
    """Collects the problems of one parsed trial file."""

    def __init__(self, name: str, trial: Mapping[str, Any]) -> None:
        self.name = name
        self.trial = trial
        self.problems: list[Problem] = []

    def fail(self, where: str, field: str, message: str) -> None:
        self.problems.append(Problem(self.name, where, field, message))

    # -- trial level -------------------------------------------------------
    def check_trial(self) -> None:
        t = self.trial
        sid = t.get("study_id")
        if not isinstance(sid, str) or not re.fullmatch(ID_PATTERN, sid):
            self.fail("", "study_id", f"study_id {sid!r} must match {ID_PATTERN}")
        elif f"{sid}.toml" != self.name.rsplit("/", 1)[-1]:
            self.fail("", "study_id", f"study_id {sid!r} differs from the file name")
        for key in ("title", "population"):
            if not isinstance(t.get(key), str) or not t[key].strip():
                self.fail("", key, f"{key} is required (text)")
        if not t.get("meta_analysis") and t.get("design") not in DESIGNS:
            self.fail("", "design", f"design {t.get('design')!r} must be one of {list(DESIGNS)}")
        sources = t.get("sources") or []
        if not sources:
            self.fail("", "sources", "at least one [[sources]] entry is required")
        for i, s in enumerate(sources):
            where = f"sources[{i}]"
            if not s.get("key") or not s.get("citation"):
                self.fail(where, "citation", "each source needs a key and a citation")
            if not s.get("doi") and not s.get("pmid"):
                self.fail(where, "doi", "each source needs a doi or a pmid")
            if s.get("pmid") is not None and not re.fullmatch(r"[0-9]{1,9}", str(s["pmid"])):
                self.fail(where, "pmid", f"pmid {s['pmid']!r} is not a PubMed id")
        rob = t.get("risk_of_bias") or {}
        if rob.get("overall") not in ROB:
            self.fail("risk_of_bias", "overall", f"overall must be one of {list(ROB)}")
        if rob.get("source") not in ("published", "own"):
            self.fail("risk_of_bias", "source", "source must be 'published' or 'own'")
        if rob.get("source") == "published" and not rob.get("review"):
            self.fail("risk_of_bias", "review", "a published judgement names its review")
        for d in ROB_DOMAINS:
            if d in rob and rob[d] not in ROB:
                self.fail("risk_of_bias", d, f"{d} must be one of {list(ROB)}")
        if rob.get("source") == "own":
            not_low = [
                d for d in ("overall", *ROB_DOMAINS) if rob.get(d) in ("some_concerns", "high")
            ]
            if not_low and not rob.get("reason"):
                self.fail("risk_of_bias", "reason", f"own judgement: give a reason for {not_low}")
        for code, spec in (t.get("codes") or {}).items():
            idea = spec.get("idea", "") if isinstance(spec, Mapping) else ""
            if idea and idea not in IDEAS:
                self.fail("codes", code, f"idea {idea!r} of code {code!r} is not one of the eight")

    # -- rows --------------------------------------------------------------
    def codes(self) -> dict[str, Any]:
        return dict(self.trial.get("codes") or {})

    def check_code(self, where: str, field: str, code: Any) -> None:
        if not isinstance(code, str) or not code:
            self.fail(where, field, "an intervention code is required")
            return
        bad = unknown_codes(code, self.codes())
        if bad:
            self.fail(
                where, field, f"unknown code(s) {list(bad)} in {code!r}; declare them in [codes]"
            )

    def check_common(self, where: str, row: Mapping[str, Any], sources: set[str]) -> None:
        outcome = row.get("outcome")
        family = family_of(outcome)
        if family is None:
            self.fail(where, "outcome", f"outcome {outcome!r} must be one of {list(OUTCOMES)} "
                      "or <outcome>_<what> for a further measure")  # fmt: skip
        inst = row.get("instrument")
        if inst not in INSTRUMENTS:
            self.fail(where, "instrument", f"unknown instrument {inst!r} "
                      "(kneestudy.schemas.instruments)")  # fmt: skip
        elif family is not None and INSTRUMENTS[inst].outcome != family:
            self.fail(where, "instrument", f"instrument {inst!r} measures "
                      f"{INSTRUMENTS[inst].outcome}, not {family}")  # fmt: skip
        week = row.get("week")
        if not isinstance(week, (int, float)) or isinstance(week, bool) or not week >= 0:
            self.fail(where, "week", f"week {week!r} must be a number >= 0")
        if not isinstance(row.get("timepoint"), str):
            self.fail(where, "timepoint", "timepoint (as published) is required")
        if row.get("source", "main") not in sources:
            self.fail(where, "source", f"source {row.get('source')!r} is not a [[sources]] key")
        if not isinstance(row.get("quote"), str) or not row["quote"].strip():
            self.fail(where, "quote", "a verbatim quote is required")

    def check_numbers(self, where: str, row: Mapping[str, Any], fields: tuple[str, ...]) -> None:
        quote = row.get("quote") or ""
        for f in fields:
            v = row.get(f)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                self.fail(where, f, f"{f} {v!r} is not a finite number")
            elif not in_quote(v, quote):
                self.fail(where, f, f"{f} = {v:g} is not printed in the quote")

    def check_arm_row(self, i: int, row: Mapping[str, Any], arms: Mapping[str, Any],
                      sources: set[str]) -> None:  # fmt: skip
        where = (
            f"arm_summaries[{i}] ({row.get('arm')!r}, {row.get('outcome')}, week {row.get('week')})"
        )
        if row.get("arm") not in arms:
            self.fail(where, "arm", f"arm {row.get('arm')!r} is not one of the [[arms]]")
        self.check_common(where, row, sources)
        n = row.get("n")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            self.fail(where, "n", f"n {n!r} must be a whole number >= 1")
        else:
            nr = (arms.get(row.get("arm")) or {}).get("n_randomised")
            if isinstance(nr, int) and n > nr:
                self.fail(where, "n", f"n {n} exceeds the arm's n_randomised {nr}")
        cont = row.get("mean") is not None
        binary = row.get("events") is not None
        if cont == binary:
            self.fail(where, "mean", "give mean (with sd, ci or se) or events, not both or neither")
        if (
            cont
            and all(row.get(k) is None for k in ("sd", "se"))
            and (row.get("ci_low") is None or row.get("ci_high") is None)
        ):
            self.fail(where, "sd", "a mean needs its sd, or a CI or SE to derive it from")
        if binary and isinstance(n, int) and isinstance(row["events"], int) and row["events"] > n:
            self.fail(where, "events", f"events {row['events']} exceed n {n}")
        self.check_numbers(where, row, ("n", "mean", "sd", "events", "ci_low", "ci_high", "se"))

    def check_contrast_row(self, i: int, row: Mapping[str, Any], arm_codes: set[str],
                           sources: set[str]) -> None:  # fmt: skip
        where = (f"contrasts[{i}] ({row.get('treatment')} vs {row.get('comparator')}, "
                 f"{row.get('outcome')}, week {row.get('week')})")  # fmt: skip
        for f in ("treatment", "comparator"):
            self.check_code(where, f, row.get(f))
            if arm_codes and row.get(f) not in arm_codes and not self.trial.get("meta_analysis"):
                self.fail(where, f, f"{row.get(f)!r} is not the intervention of any [[arms]]")
        if row.get("treatment") == row.get("comparator"):
            self.fail(where, "comparator", "comparator must differ from treatment")
        self.check_common(where, row, sources)
        m = row.get("measure")
        if m not in MEASURE_OF:
            self.fail(where, "measure", f"measure {m!r} must be one of {list(MEASURE_OF)} "
                      "(a risk difference: give the arms' events instead)")  # fmt: skip
        est = row.get("estimate")
        if not isinstance(est, (int, float)) or isinstance(est, bool):
            self.fail(where, "estimate", "estimate (as published) is required")
        elif m in RATIOS and est <= 0:
            self.fail(where, "estimate", f"a ratio must be > 0, not {est}")
        has_ci = row.get("ci_low") is not None and row.get("ci_high") is not None
        if not has_ci and row.get("se") is None and row.get("p") is None:
            self.fail(where, "ci_low", "give the CI, the SE or the P value")
        if has_ci and not row["ci_low"] < row["ci_high"]:
            self.fail(where, "ci_low", "ci_low must be below ci_high")
        p = row.get("p")
        if p is not None and not (isinstance(p, (int, float)) and 0 < p < 1):
            self.fail(where, "p", f"p {p!r} must lie strictly between 0 and 1")
        self.check_numbers(
            where, row, ("estimate", "ci_low", "ci_high", "se", "p", "n_treatment", "n_comparator")
        )

    def check(self) -> list[Problem]:
        self.check_trial()
        t = self.trial
        sources = {s.get("key") for s in t.get("sources") or []}
        arms: dict[str, Any] = {}
        for i, a in enumerate(t.get("arms") or []):
            where = f"arms[{i}]"
            if not a.get("arm"):
                self.fail(where, "arm", "each arm needs its published label")
                continue
            if a["arm"] in arms:
                self.fail(where, "arm", f"arm label {a['arm']!r} is used twice")
            arms[a["arm"]] = a
            self.check_code(where, "intervention", a.get("intervention"))
        if not arms and not t.get("meta_analysis"):
            self.fail("", "arms", "at least one [[arms]] entry is required")
        seen: dict[tuple, int] = {}
        for i, row in enumerate(t.get("arm_summaries") or []):
            self.check_arm_row(i, row, arms, sources)
            key = (row.get("arm"), row.get("outcome"), row.get("week"))
            if key in seen:
                self.fail(f"arm_summaries[{i}]", "outcome", (
                    f"arm {key[0]!r} has two {key[1]} rows at week {key[2]} (also "
                    f"arm_summaries[{seen[key]}]); name a further measure <outcome>_<what>, "
                    "e.g. pain_usual"))  # fmt: skip
            seen.setdefault(key, i)
        arm_codes = {a.get("intervention") for a in arms.values()}
        for i, row in enumerate(t.get("contrasts") or []):
            self.check_contrast_row(i, row, arm_codes, sources)
        return self.problems
