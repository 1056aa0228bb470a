import pytest

import kneestudy as ks
from kneestudy.interventions import idea_of, is_known_code, label_of, unknown_codes

DESIGN_ORDER = [
    "glute_strengthening",
    "stretching",
    "balance_training",
    "running_form",
    "orthotics",
    "knee_brace",
    "physical_therapy",
    "glucosamine",
]


def test_eight_ideas_in_design_order():
    assert list(ks.IDEAS) == DESIGN_ORDER
    assert [i.number for i in ks.IDEAS.values()] == list(range(1, 9))
    for idea in ks.IDEAS.values():
        assert idea.label and len(idea.summary) > 80


def test_registry_is_read_only():
    with pytest.raises(TypeError):
        ks.IDEAS["x"] = None  # type: ignore[index]


@pytest.mark.parametrize(
    ("code", "idea"),
    [
        ("glute_strengthening+quadriceps_strengthening", "glute_strengthening"),
        ("taping", "physical_therapy"),
        ("taping+quadriceps_strengthening", "physical_therapy"),
        ("usual_care", None),
        ("quadriceps_strengthening", None),
    ],
)
def test_idea_of(code, idea):
    assert idea_of(code) == idea


def test_unknown_and_declared_codes():
    assert unknown_codes("orthotics+magic") == ("magic",)
    assert unknown_codes("orthotics++usual_care") == ("",)
    assert is_known_code("magic", extra=["magic"])
    assert not is_known_code("Orthotics")
    assert label_of("glute_strengthening+quadriceps_strengthening") == (
        "Glute (hip) strengthening + Quadriceps (knee) strengthening"
    )
