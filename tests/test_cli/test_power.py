"""``kneestudy power``: text and JSON, sample size, Dask scheduler, exit codes 0 / 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kneestudy.cli import main
from kneestudy.cli import power as cli_power
from kneestudy.design.engine import ANALYSES

BASE = ["power", "--idea", "orthotics", "--n", "30", "--reps", "60", "--effect", "-0.8",
        "--workers", "1"]  # fmt: skip


def test_analyses_listed_in_the_parser_are_the_engine_s():
    assert cli_power.ANALYSES == ANALYSES


def test_text_report(capsys):
    assert main(BASE) == 0
    out = capsys.readouterr().out
    assert "orthotics vs flat_insert" in out and "power with 30 per arm" in out
    assert "planning effect: -0.800" in out and "(user:" in out


def test_json_is_the_result(capsys):
    assert main([*BASE, "--analysis", "mmrm", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["analysis"] == "mmrm" and data["n_per_arm"] == 30 and data["reps"] == 60
    assert 0 <= data["power"] <= 1 and "replicates" not in data
    assert main([*BASE, "--json", "--replicates"]) == 0
    assert len(json.loads(capsys.readouterr().out)["replicates"]) == 60


def test_without_effect_the_source_is_said(capsys):
    """Taping is the physical therapist's component, which the evidence base estimates;
    stretching has no usable evidence on pain, so the simulator's parameter is used."""
    assert main(["power", "--idea", "taping", "--n", "20", "--reps", "30", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "(evidence: pooled pain difference of physical_therapy" in out
    assert (
        main(["power", "--idea", "stretching", "--n", "20", "--reps", "30", "--workers", "1"]) == 0
    )
    out = capsys.readouterr().out
    assert "(simulator: simulator parameter effect.stretching.peak" in out and "note:" in out


def test_target_gives_a_sample_size(capsys):
    args = ["power", "--idea", "orthotics", "--target", "0.8", "--analysis", "ttest",
            "--effect", "-1.2", "--reps", "100", "--workers", "1", "--json"]  # fmt: skip
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["target"] == 0.8 and data["n_per_arm"] >= 2
    assert data["n_ci_low"] <= data["n_per_arm"] <= data["n_ci_high"]


@pytest.mark.parametrize(
    "args,message",
    [(["--analysis", "logrank", "--outcome", "akps"], "takes outcome"),
     (["--week", "9", "--weeks", "0,6,12"], "visit weeks"),
     (["--reps", "1"], "reps must be")],
)  # fmt: skip
def test_bad_designs_exit_2_with_a_message(capsys, args, message):
    assert main([*BASE, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_n_or_target(capsys):
    assert main(["power", "--idea", "orthotics"]) == 2
    assert "either --n or --target" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main([*BASE, "--analysis", "anova"])
    assert exc.value.code == 2


def test_unreachable_scheduler_exits_2(monkeypatch, capsys):
    from kneestudy.design import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 2.0)
    args = ["power", "--idea", "orthotics", "--n", "20", "--reps", "20", "--effect", "-1",
            "--scheduler", "127.0.0.1:1"]  # fmt: skip
    assert main(args) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err


@pytest.mark.dask
def test_scheduler_runs_on_a_local_cluster(capsys):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=40) as cl:  # fmt: skip
        host_port = cl.scheduler_address.removeprefix("tcp://")
        args = ["power", "--idea", "orthotics", "--n", "20", "--reps", "40", "--effect", "-1",
                "--json"]  # fmt: skip
        assert main([*args, "--scheduler", host_port]) == 0
        on_dask = json.loads(capsys.readouterr().out)
    assert main([*args, "--workers", "1"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert on_dask["executor"].startswith("dask")
    for key in ("power", "mean_estimate", "bias", "coverage", "empirical_se"):
        assert on_dask[key] == local[key]


def test_quiet_when_not_a_terminal():
    proc = subprocess.run([sys.executable, "-m", "kneestudy", *BASE], capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == ""
