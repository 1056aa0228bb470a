"""``kneestudy schemas export`` and the committed data_schemas/ files."""

from __future__ import annotations

from pathlib import Path

from kneestudy.cli import main
from kneestudy.schemas.export import rendered

COMMITTED = Path(__file__).resolve().parents[2] / "data_schemas"


def test_export_writes_every_table(tmp_path):
    assert main(["schemas", "export", "--output", str(tmp_path)]) == 0
    for table in (
        "participants",
        "visits",
        "adverse_events",
        "events",
        "arm_summaries",
        "contrasts",
    ):
        assert (tmp_path / f"{table}.yaml").read_text().startswith("schema_type: dataframe")
        assert (
            "| column | type | required | nullable | rule | description |"
            in (tmp_path / f"{table}.md").read_text()
        )


def test_committed_schemas_match_the_models():
    """Fails when data_schemas/ drifts: run `kneestudy schemas export` and commit."""
    for name, text in rendered().items():
        path = COMMITTED / name
        assert path.exists(), f"{name} missing from data_schemas/"
        assert path.read_text(encoding="utf-8") == text, f"data_schemas/{name} is stale"


def test_schemas_without_action_is_usage_error():
    assert main(["schemas"]) == 2
