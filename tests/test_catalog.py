"""What is generated from the models' declarations is current, and the declarations are
consistent: every default meets its rule, every tag matches what the class can do."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulacra import ParameterError, Synthesizer
from simulacra.cli.catalog import (
    CATALOG,
    COMMAND,
    DOCS,
    catalog_source,
    declared_models,
    parameters_markdown,
)
from simulacra.model import TAGS

MODELS = [
    (kind, name, cls) for kind, group in declared_models().items() for name, cls in group.items()
]


def test_the_catalog_is_current() -> None:
    assert CATALOG.read_text() == catalog_source(), f"run `{COMMAND}`"


def test_the_parameter_docs_are_current() -> None:
    assert Path(DOCS).read_text() == parameters_markdown(), f"run `{COMMAND}`"


@pytest.mark.parametrize(("kind", "name", "cls"), MODELS, ids=[m[1] for m in MODELS])
def test_every_default_meets_its_rule(kind: str, name: str, cls: type) -> None:
    model = cls()
    model._check_params()
    for param in cls._params.values():
        assert param.help and param.help == param.help.strip(), name
        if param.auto is not None:
            assert param.default is None and all(param.rule.accepts(v) for v in param.auto)


@pytest.mark.parametrize(("kind", "name", "cls"), MODELS, ids=[m[1] for m in MODELS])
def test_the_tags_say_what_the_class_can_do(kind: str, name: str, cls: type) -> None:
    tags = getattr(cls, "tags", frozenset())
    assert tags <= set(TAGS)
    params = cls._params
    can = {
        "impute": hasattr(cls, "impute"),
        "dp": "epsilon" in params,
        "streams": hasattr(cls, "fit_batches"),
        "summaries": hasattr(cls, "fit_moments"),
        "gpu": "device" in params,
        "conditions": kind in ("table", "images"),  # rows meeting conditions; images a label
        "sequences": "sequence_key" in params,
    }
    assert {tag for tag, able in can.items() if able} == set(tags), name


def test_an_unknown_parameter_is_named_with_the_accepted_ones() -> None:
    with pytest.raises(ParameterError) as caught:
        Synthesizer("copula", unknown=1)
    assert str(caught.value) == (
        "copula has no parameter 'unknown' (its parameters: seed, verbose, max_categories, "
        "min_count, rules, marginals)"
    )
