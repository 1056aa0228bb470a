"""A small REDCap export as REDCap writes it: longitudinal, a repeating instrument, a checkbox.

Built from the example cohort, so that the imported cohort can be compared with it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

EXAMPLE = Path(__file__).resolve().parents[2] / "kneestudy" / "datasets" / "data" / "example_cohort"

DICTIONARY_HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]

FIELDS = [
    ("record_id", "enrolment", "text", "Record ID", "", ""),
    (
        "group",
        "enrolment",
        "radio",
        "Randomised group",
        "1, Hip and knee exercise | 2, Knee exercise",
        "",
    ),
    ("age", "enrolment", "text", "Age (years)", "", "integer"),
    ("sex", "enrolment", "radio", "Sex", "1, Female | 2, Male | 3, Other", ""),
    ("squat", "enrolment", "radio", "Single-leg squat test", "1, Pass | 2, Fail", ""),
    ("vas_worst", "outcomes", "text", "Worst pain when running (0-10)", "", "number"),
    ("kujala", "outcomes", "text", "Kujala score", "", "integer"),
    (
        "where_pain",
        "outcomes",
        "checkbox",
        "Where is the pain?",
        "1, Front | 2, Side | 3, Back",
        "",
    ),
    ("ae_desc", "adverse_events", "text", "Describe the event", "", ""),
    ("ae_week", "adverse_events", "text", "Week of onset", "", "number"),
    ("ae_severity", "adverse_events", "radio", "Severity", "1, Mild | 2, Moderate | 3, Severe", ""),
    ("ae_serious", "adverse_events", "yesno", "Serious?", "", ""),
]

EVENTS = {0: "baseline_arm_1", 2: "week_2_arm_1", 6: "week_6_arm_1"}


def write_dictionary(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(DICTIONARY_HEADER)
        for name, form, ftype, label, choices, valid in FIELDS:
            w.writerow([name, form, "", ftype, label, choices, "", valid] + [""] * 10)
    return path


def write_records(path: Path) -> Path:
    p = pd.read_csv(EXAMPLE / "participants.csv", dtype=str, keep_default_na=False)
    v = pd.read_csv(EXAMPLE / "visits.csv", dtype=str, keep_default_na=False)
    ae = pd.read_csv(EXAMPLE / "adverse_events.csv", dtype=str, keep_default_na=False)
    cols = [
        "record_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
        "group", "age", "sex", "squat", "enrolment_complete",
        "vas_worst", "kujala", "where_pain___1", "where_pain___2", "where_pain___3",
        "outcomes_complete", "ae_desc", "ae_week", "ae_severity", "ae_serious",
        "adverse_events_complete",
    ]  # fmt: skip
    rows = []
    group = {"glute_strengthening+quadriceps_strengthening": "1", "quadriceps_strengthening": "2"}
    sex = {"female": "1", "male": "2", "other": "3", "": ""}
    squat = {"pass": "1", "fail": "2", "": ""}
    for r in p.itertuples(index=False):
        for week, event in EVENTS.items():
            visit = v[(v["participant_id"] == r.participant_id) & (v["week"] == str(week))]
            row = dict.fromkeys(cols, "")
            row.update(record_id=r.participant_id, redcap_event_name=event)
            if week == 0:
                row.update(
                    group=group[r.intervention], age=r.age, sex=sex[r.sex],
                    squat=squat[r.squat_test], enrolment_complete="2",
                )  # fmt: skip
            if len(visit):
                x = visit.iloc[0]
                row.update(
                    vas_worst=x["pain"], kujala=x["akps"], outcomes_complete="2",
                    where_pain___1="1", where_pain___2="0", where_pain___3="0",
                )  # fmt: skip
            rows.append(row)
    for i, a in enumerate(ae.itertuples(index=False), start=1):
        row = dict.fromkeys(cols, "")
        row.update(
            record_id=a.participant_id, redcap_event_name="baseline_arm_1",
            redcap_repeat_instrument="adverse_events", redcap_repeat_instance=str(i),
            ae_desc=a.term, ae_week=a.week,
            ae_severity={"mild": "1", "moderate": "2", "severe": "3"}[a.severity],
            ae_serious="1" if a.serious == "true" else "0", adverse_events_complete="2",
        )  # fmt: skip
        rows.append(row)
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    return path
