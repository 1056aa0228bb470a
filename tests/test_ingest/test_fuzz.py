"""Fuzz: cohorts with random corruption never crash validation, and rows always reconcile.

Hypothesis edits a copy of the example cohort (cells replaced by awkward
text, lines dropped, repeated or cut, header names changed, the manifest
damaged, a table rewritten in another format) and runs ``kneestudy
validate --json`` (with and without quarantine) on it. Every run must exit
0, 1 or 2 without a traceback, and every table must reconcile: rows read =
valid + set aside, with each set-aside row in the quarantine file.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_helpers import reconciles, run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "kneestudy" / "datasets" / "data" / "example_cohort"
TABLES = ("participants.csv", "visits.csv", "adverse_events.csv", "events.csv")

AWKWARD = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "NA",
            "nan",
            "inf",
            "-inf",
            "1e400",
            "0x1E",
            "1,000",
            "2024",
            "2024-03",
            "2024-02-30",
            "2024-01-01T00:00:00Z",
            "true",
            "False",
            "-0",
            "+5",
            ".5",
            "5.",
            "$x$",
            "($40) vs ($90)",
            "_row",
            "_reasons",
            "P2",
            "p2",
            "007",
            "7",
            "\u00a0x",
            "é",
            "\u202e",
            '"',
            "'",
            ";",
            "\t",
            "a,b",
            "line\nbreak",
            "9" * 40,
        ]
    ),  # fmt: skip
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)


def _mutate_table(folder: Path, draw) -> None:
    name = draw(st.sampled_from(TABLES))
    path = folder / name
    lines = path.read_text(encoding="utf-8", errors="surrogateescape").split("\n")
    kind = draw(
        st.sampled_from(["cell", "cell", "cell", "drop", "repeat", "cut", "header", "bytes"])
    )
    if kind == "cell" and len(lines) > 1:
        i = draw(st.integers(1, len(lines) - 1))
        cells = lines[i].split(",")
        j = draw(st.integers(0, max(0, len(cells) - 1)))
        value = draw(AWKWARD)
        cells[j] = (
            '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value
        )
        lines[i] = ",".join(cells)
    elif kind == "drop" and len(lines) > 1:
        del lines[draw(st.integers(0, len(lines) - 1))]
    elif kind == "repeat" and len(lines) > 1:
        i = draw(st.integers(1, len(lines) - 1))
        lines.insert(i, lines[i])
    elif kind == "cut":
        text = "\n".join(lines)
        lines = [text[: draw(st.integers(0, len(text)))]]
    elif kind == "header":
        cells = lines[0].split(",")
        j = draw(st.integers(0, len(cells) - 1))
        cells[j] = draw(st.sampled_from(["", cells[j].upper(), " " + cells[j], "_row", cells[0]]))
        lines[0] = ",".join(cells)
    elif kind == "bytes":
        path.write_bytes(draw(st.binary(max_size=64)))
        return
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogateescape")


def _mutate_manifest(folder: Path, draw) -> None:
    path = folder / "cohort.toml"
    text = path.read_text(encoding="utf-8")
    extra = draw(
        st.sampled_from(
            [
                "visit_weeks = [0, nan]",
                "[codes]\nmy = { label = 1 }",
                '[columns.visits]\npain = "nope"',
                '[values.participants.sex]\nfemale = "male"',
                "[weeks]\nx = -1",
                '[wide.visits]\npain = "pain_{week}"',
                '[format.visits]\ndecimal = ","\ndelimiter = ";"',
                '[format.participants]\nencoding = "utf-16"',
                '[format.participants]\ntime_zone = "utc"',
                '[tables]\nvisits = "../x.csv"',
                "[[[",
                "",
            ]
        )
    )
    if extra.startswith("visit_weeks"):
        text = text.replace("visit_weeks = [0, 2, 6]", extra)
    elif extra.startswith("[tables]"):
        text = text.replace('visits = "visits.csv"', 'visits = "../x.csv"')
    else:
        text = text + "\n" + extra + "\n"
    path.write_text(text, encoding="utf-8")


def _to_other_format(folder: Path, draw) -> None:
    fmt = draw(st.sampled_from(["keep", "keep", "parquet", "xlsx", "tsv"]))
    if fmt == "keep":
        return
    name = draw(st.sampled_from(["participants", "visits"]))
    try:
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        if fmt == "parquet":
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        elif fmt == "xlsx":
            frame.to_excel(folder / f"{name}.xlsx", index=False)
        else:
            frame.to_csv(folder / f"{name}.tsv", sep="\t", index=False)
    except Exception:  # a file too broken for pandas to write in another format stays CSV
        return
    toml = folder / "cohort.toml"
    toml.write_text(toml.read_text().replace(f'"{name}.csv"', f'"{name}.{fmt}"'))


def _check(folder: Path, quarantine: Path | None) -> None:
    argv = ["validate", str(folder), "--json"]
    if quarantine is not None:
        argv += ["--quarantine", str(quarantine)]
    code, out, err = run_cli(*argv)
    assert code in (0, 1, 2)
    if code == 2:
        return
    report = json.loads(out)
    assert reconciles(report), report["rows"]
    assert report["ok"] == (code == 0)
    if quarantine is not None and quarantine.exists() and (quarantine / "report.txt").exists():
        for r in report["rows"]:
            if r["invalid"]:
                q = pd.read_csv(quarantine / f"{r['table']}.csv", dtype=str, keep_default_na=False)
                assert len(q) == r["invalid"], (r, len(q))


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same cases every run: the default suite stays deterministic
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_random_corruption_never_crashes(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cohort"
        shutil.copytree(EXAMPLE, folder)
        for _ in range(data.draw(st.integers(1, 4))):
            _mutate_table(folder, data.draw)
        if data.draw(st.booleans()):
            _mutate_manifest(folder, data.draw)
        _to_other_format(folder, data.draw)
        _check(folder, None)
        _check(folder, Path(tmp) / "q")
