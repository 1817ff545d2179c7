"""The registry's declared abilities match what the classes can do."""

from __future__ import annotations

from simulacra.registry import ABILITIES, able_to, get, names


def test_declared_abilities_match_the_classes() -> None:
    for kind, abilities in ABILITIES.items():
        for ability, declared in abilities.items():
            can = [name for name in names(kind) if hasattr(get(name, kind), ability)]
            assert able_to(ability, kind) == can and set(declared) == set(can), ability
    assert able_to("impute") == ["autoregressive", "ddpm"]
    assert able_to("fly") == [] and able_to("impute", "images") == []
