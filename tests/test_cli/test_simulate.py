"""``kneestudy simulate``: writes a valid synthetic cohort; exit codes 0 / 2."""

from __future__ import annotations

import filecmp
import tomllib

import pytest

from kneestudy.cli import main


def test_writes_a_valid_cohort(tmp_path, capsys):
    out = tmp_path / "trial"
    code = main(["simulate", str(out), "--idea", "orthotics", "--n", "60", "--seed", "4"])
    assert code == 0
    assert "synthetic" in capsys.readouterr().out
    manifest = tomllib.loads((out / "cohort.toml").read_text(encoding="utf-8"))
    assert manifest["source"] == "synthetic" and manifest["seed"] == 4
    assert manifest["comparator"] == "flat_insert"
    assert main(["validate", str(out)]) == 0


def test_multi_arm_and_weeks(tmp_path):
    out = tmp_path / "trial"
    arms = [
        "glute_strengthening+quadriceps_strengthening",
        "quadriceps_strengthening",
        "usual_care",
    ]
    code = main(
        [
            "simulate",
            str(out),
            "--idea",
            "glute_strengthening",
            "--n",
            "45",
            "--seed",
            "1",
            "--arms",
            *arms,
            "--weeks",
            "0,2,6,12",
        ]
    )
    assert code == 0
    manifest = tomllib.loads((out / "cohort.toml").read_text(encoding="utf-8"))
    assert manifest["visit_weeks"] == [0, 2, 6, 12] and manifest["comparator"] == "usual_care"
    ids = (out / "participants.csv").read_text(encoding="utf-8")
    assert all(a in ids for a in arms)


def test_dropout_mechanism_and_entry_threshold(tmp_path):
    out = tmp_path / "trial"
    code = main(["simulate", str(out), "--idea", "stretching", "--n", "60",
                 "--dropout", "0.1", "--dropout-mar", "0", "--dropout-mnar", "0.5",
                 "--min-baseline-pain", "4"])  # fmt: skip
    assert code == 0
    manifest = tomllib.loads((out / "cohort.toml").read_text(encoding="utf-8"))
    assert "missing not at random" in manifest["description"]
    assert "recorded baseline pain >= 4" in manifest["description"]
    import pandas as pd

    visits = pd.read_csv(out / "visits.csv")
    assert visits.loc[visits["week"] == 0, "pain"].min() >= 4


def test_same_seed_same_files(tmp_path):
    for name in ("a", "b"):
        assert main(["simulate", str(tmp_path / name), "--idea", "taping", "--n", "40"]) == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert match == names


@pytest.mark.parametrize(
    "extra",
    [
        ["--idea", "bogus"],
        ["--idea", "orthotics", "--n", "1"],
        ["--idea", "orthotics", "--weeks", "2,4"],
        ["--idea", "orthotics", "--dropout", "2"],
        ["--idea", "orthotics", "--dropout-mnar", "9"],
        ["--idea", "orthotics", "--min-baseline-pain", "3.05"],
    ],
)
def test_bad_arguments_exit_2(tmp_path, capsys, extra):
    try:
        code = main(["simulate", str(tmp_path / "x"), *extra])
    except SystemExit as exc:  # refused by the option checks (argparse)
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert "error" in err and "Traceback" not in err


def test_usage_errors_exit_2(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["simulate", str(tmp_path / "x"), "--idea", "orthotics", "--weeks", "0,a"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["simulate", str(tmp_path / "x")])  # --idea is required
    assert exc.value.code == 2


def test_refuses_a_non_empty_folder(tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("keep", encoding="utf-8")
    assert main(["simulate", str(out), "--idea", "orthotics", "--n", "20"]) == 2
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep"
    assert "--force" in capsys.readouterr().err


def test_crossover(tmp_path):
    out = tmp_path / "brace"
    assert main(["simulate", str(out), "--idea", "knee_brace", "--crossover", "--n", "20"]) == 0
    manifest = tomllib.loads((out / "cohort.toml").read_text(encoding="utf-8"))
    assert manifest["design"] == "crossover"
    assert main(["validate", str(out)]) == 0
    assert main(["simulate", str(tmp_path / "y"), "--idea", "orthotics", "--crossover"]) == 2
