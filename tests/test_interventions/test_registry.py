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


@pytest.mark.parametrize(
    ("code", "components"),
    [
        ("glute_strengthening+quadriceps_strengthening",
         ("glute_strengthening", "quadriceps_strengthening")),
        ("quadriceps_strengthening+glute_strengthening",
         ("glute_strengthening", "quadriceps_strengthening")),
        ("knee_brace+physical_therapy", ("knee_brace", "physical_therapy")),
        ("sham+quadriceps_strengthening", ("quadriceps_strengthening",)),
        ("taping+quadriceps_strengthening", ("physical_therapy", "quadriceps_strengthening")),
        ("taping+physical_therapy", ("physical_therapy",)),
        ("education", ("education",)),
        ("usual_care", ()),
        ("wait_and_see", ()),
        ("placebo", ()),
        ("flat_insert", ()),
    ],
)  # fmt: skip
def test_components_of(code, components):
    from kneestudy.interventions import components_of

    assert components_of(code) == components


def test_components_options():
    from kneestudy.interventions import (
        ATTENTION_CONTROLS,
        INACTIVE,
        combination_code,
        components_of,
    )

    assert set(ATTENTION_CONTROLS) <= set(INACTIVE)
    assert "education" not in INACTIVE and "quadriceps_strengthening" not in INACTIVE
    # attention controls as components of their own (a sensitivity analysis)
    active = [c for c in INACTIVE if c not in ATTENTION_CONTROLS]
    assert components_of("sham+quadriceps_strengthening", inactive=active) == (
        "sham",
        "quadriceps_strengthening",
    )
    # an alias kept apart
    assert components_of("taping+physical_therapy", separate_aliases=True) == (
        "physical_therapy",
        "taping",
    )
    # a declared code that belongs to an idea counts as that idea, unless kept apart
    assert components_of(
        "my_brace+physical_therapy", ideas_of_declared={"my_brace": "knee_brace"}
    ) == (
        "knee_brace",
        "physical_therapy",
    )
    assert components_of("my_brace", ideas_of_declared={"my_brace": "knee_brace"},
                         separate_aliases=True) == ("my_brace",)  # fmt: skip
    assert components_of("my_insole") == ("my_insole",)  # declared, no idea: its own component
    with pytest.raises(ValueError, match="eight ideas"):
        components_of("x", ideas_of_declared={"x": "usual_care"})
    assert combination_code(["quadriceps_strengthening", "glute_strengthening"]) == (
        "glute_strengthening+quadriceps_strengthening"
    )
    assert combination_code(()) == "inactive"
