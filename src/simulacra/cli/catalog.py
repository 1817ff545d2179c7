"""What is generated from the models' declarations (their `Param`s and `tags`, params.py):

- `simulacra/_catalog.py`: each model's tags, and the help of an option setting each
  parameter (its meaning and every model's default), which `registry.able_to` and the
  command line's help read without importing the models (and PyTorch);
- `docs/parameters.md`: one table of parameters per model (`simulacra inspect --params`
  prints the same table).

    python -m simulacra.cli.catalog     # rewrite both after changing a declaration

tests/test_catalog.py fails, naming this command, when either is out of date.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from .. import registry
from ..errors import ParameterError
from ..model import TAGS
from ..params import Declared, markdown_table

CATALOG = Path(__file__).resolve().parents[1] / "_catalog.py"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "parameters.md"
KIND_TITLES = {"table": "Table synthesizers", "images": "Image models", "upscaler": "Upscaler"}
COMMAND = "python -m simulacra.cli.catalog"


def declared_models() -> dict[str, dict[str, type[Declared]]]:
    """Every model class by kind and name: the registry's, and the upscaler of `images
    fit-upscaler` (kind and name "upscaler"), which is not registered."""
    from ..images.upscale import Upscaler

    models: dict[str, dict[str, type[Declared]]] = {
        kind: {name: registry.get(name, kind) for name in registry.names(kind)}
        for kind in registry.KINDS
    }
    models["upscaler"] = {"upscaler": Upscaler}
    return models


def find_model(name: str) -> tuple[str, type[Declared]]:
    """(kind, class) of the model called `name`."""
    models = declared_models()
    for kind, group in models.items():
        if name in group:
            return kind, group[name]
    known = [n for group in models.values() for n in group]
    raise ParameterError(f"unknown model {name!r} (use one of {', '.join(known)})")


def catalog_source() -> str:
    """The text of `_catalog.py`."""
    tags: dict[str, dict[str, tuple[str, ...]]] = {}
    helps: dict[str, dict[str, str]] = {}
    for kind, group in declared_models().items():
        tags[kind] = {
            name: tuple(t for t in TAGS if t in getattr(cls, "tags", ()))
            for name, cls in group.items()
        }
        params = dict.fromkeys(p for cls in group.values() for p in cls._params)
        helps[kind] = {param: option_help(group, param) for param in params}
    return (
        f'"""What each model declares, for code that must not import the models (the command\n'
        f"line's help, `registry.able_to`): generated from their `Param`s and `tags` by\n"
        f'`{COMMAND}`; do not edit."""\n\n'
        "# kind -> model -> its tags\n"
        f"TAGS: dict[str, dict[str, tuple[str, ...]]] = {_literal(tags)}\n"
        "# kind -> parameter -> the help of an option that sets it: its meaning and defaults\n"
        f"OPTION_HELP: dict[str, dict[str, str]] = {_literal(helps)}\n"
    )


def option_help(group: dict[str, type[Declared]], param: str) -> str:
    """`param`'s help (the first model's declaration) and each model's default: "Training
    passes over the data (default: ctgan, tvae 300; ddpm 200; copula, mst have none).", or
    "(default 5)" when every model has the same, "(ddpm only, default 50)" for one model's."""
    defaults: dict[str, list[str]] = {}
    for name, cls in group.items():
        if param in cls._params:
            defaults.setdefault(cls._params[param].default_text(), []).append(name)
    others = [name for name, cls in group.items() if param not in cls._params]
    owners = [name for names in defaults.values() for name in names]
    if len(defaults) == 1 and not others:
        said = f"default {next(iter(defaults))}"
    elif len(owners) == 1 and len(group) > 1:
        said = f"{owners[0]} only, default {next(iter(defaults))}"
    else:
        parts = [f"{', '.join(names)} {text}" for text, names in defaults.items()]
        if others:
            parts.append(f"{', '.join(others)} {'has' if len(others) == 1 else 'have'} none")
        said = "default: " + "; ".join(parts)
    text = next(cls._params[param].help for cls in group.values() if param in cls._params)
    return f"{text[:1].upper()}{text[1:]} ({said})."


def _literal(value: Any, indent: int = 0) -> str:
    """`value` (dicts, tuples and strings) as Python source in ruff's format (line length
    100): one dict item per line with a trailing comma; a string value too long for its line
    in parentheses, in pieces when it does not fit one line either."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple):
        items = ", ".join(_literal(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if not value:
        return "{}"
    pad = " " * (indent + 4)
    lines = []
    for key, item in value.items():
        line = f"{pad}{_literal(key)}: {_literal(item, indent + 4)},"
        if isinstance(item, str) and len(line) > 100:
            width = 100 - len(pad) - 6
            pieces = (
                [item] if len(item) <= width else textwrap.wrap(item, width, drop_whitespace=False)
            )
            inner = "\n".join(f"{pad}    {_literal(piece)}" for piece in pieces)
            line = f"{pad}{_literal(key)}: (\n{inner}\n{pad}),"
        lines.append(line)
    return "{\n" + "\n".join(lines) + "\n" + " " * indent + "}"


def parameters_markdown() -> str:
    """The text of docs/parameters.md."""
    parts = [
        "# Parameters of every model",
        f"Generated by `{COMMAND}` from the parameters each model declares\n"
        "(`Param`s in its module; see `src/simulacra/params.py`); do not edit.\n"
        "`simulacra inspect --params MODEL` prints the same table. A default `None: A, B with\n"
        "DP` stands for A, or for B in a fit with differential privacy (`epsilon` set).",
    ]
    for kind, group in declared_models().items():
        parts.append(f"## {KIND_TITLES[kind]}")
        if len(group) > 1:
            parts += ["What the models can do and share, at a glance (-: the model lacks it):"]
            parts.append(shared_defaults(group))
        for name, cls in group.items():
            summary = " ".join((cls.__doc__ or "").split("\n\n")[0].split())
            tags = ", ".join(t for t in TAGS if t in getattr(cls, "tags", ()))
            parts += [f"### {name}", summary + (f" Tags: {tags}." if tags else "")]
            parts.append(markdown_table(cls))
    return "\n\n".join(parts) + "\n"


def shared_defaults(group: dict[str, type[Declared]]) -> str:
    """A Markdown table of the models' tags and of the parameters more than one model of
    `group` declares: one column per model, each cell that model's tags or default."""
    params = dict.fromkeys(p for cls in group.values() for p in cls._params)
    tags = [", ".join(t for t in TAGS if t in getattr(cls, "tags", ())) for cls in group.values()]
    lines = [
        "| parameter | " + " | ".join(group) + " |",
        "| --- |" + " --- |" * len(group),
        "| *tags* | " + " | ".join(tags) + " |",
    ]
    for param in params:
        owners = [cls for cls in group.values() if param in cls._params]
        if len(owners) > 1:
            cells = [
                f"`{cls._params[param].default_text()}`" if param in cls._params else "-"
                for cls in group.values()
            ]
            lines.append(f"| `{param}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    CATALOG.write_text(catalog_source())
    print(f"wrote {CATALOG}")
    if DOCS.parent.is_dir():  # a checkout of the repository, not an installed package
        DOCS.write_text(parameters_markdown())
        print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
