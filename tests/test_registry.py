"""The registry's abilities come from the models' tags (through the generated `_catalog`)."""

from __future__ import annotations

from simulacra.registry import able_to, get, names, option_help


def test_abilities_come_from_the_tags() -> None:
    for kind in ("table", "images"):
        for ability in ("conditions", "impute", "dp", "streams", "summaries", "gpu"):
            tagged = [name for name in names(kind) if ability in get(name, kind).tags]
            assert able_to(ability, kind) == tagged, (kind, ability)
    assert able_to("impute") == ["copula", "autoregressive", "ddpm"]
    assert able_to("dp") == ["ctgan", "tvae", "autoregressive", "mst"]
    assert able_to("fly") == [] and able_to("impute", "images") == []


def test_option_help_says_each_models_default() -> None:
    text = option_help("epochs")
    assert text.startswith("Training passes over the data (default: ")
    for said in ("ctgan, tvae 300", "autoregressive None: 300, 20 with DP", "ddpm 200"):
        assert said in text
    assert text.endswith("copula, mst, ensemble have none).")
    assert option_help("min_count") == (
        "Categories seen in fewer rows are pooled, never stored or emitted (default 5)."
    )
    assert "gan only, default 1" in option_help("n_generators", "images")
    assert option_help("scale", "upscaler") == "Enlargement, 2 or 4 (default 4)."
