"""The layers contract: imports inside simulacra run one way, from a layer to the layers below
it, never sideways or up, and never in a circle (an equivalent of import-linter's layers
contract, run by `make test`). A unit is a top-level module or a subpackage; imports under
`if TYPE_CHECKING:` are for type checkers and do not count, every other import does (also one
inside a function: it still ties the two units together)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "simulacra"

# lowest first; a unit may import only from units of lower layers
LAYERS: list[set[str]] = [
    {
        "errors",
        "_version",
        "_state",
        "_atomic",
        "_catalog",
        "_entities",
        "_interrupt",
        "_memory",
    },
    {"params", "seeding", "_progress", "_column_fields", "_torch", "io", "_values", "_dates"},
    {"pii", "ids", "modelfile", "registry", "training"},
    {"metadata", "model"},
    {"privacy", "specs", "sequence_keys"},
    {"transforms", "evaluation", "images", "rules"},
    {"synthesizers"},
    {"rebalance", "experiments", "scale", "relational"},
    {"cli", "__init__"},  # the package face loads its names on first use: no static imports
]


def _unit(module: str) -> str:
    parts = module.split(".")
    unit = parts[1] if len(parts) > 1 else "__init__"
    return "cli" if unit == "__main__" else unit  # `python -m simulacra`: the CLI's shim


def _module(path: Path) -> tuple[str, str]:
    """(module name, the package its relative imports start from)."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    name = ".".join(rel.parts)
    if path.name == "__init__.py":
        name = name.removesuffix(".__init__")
        return name, name
    return name, name.rsplit(".", 1)[0]


def _typing_only(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for n in ast.walk(node))
    return skipped


def import_edges() -> dict[tuple[str, str], list[str]]:
    """(from unit, to unit) -> the files that import across that edge."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name, package = _module(path)
        tree = ast.parse(path.read_text())
        skipped = _typing_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                if node.module is None:  # `from . import x`: x may be a submodule
                    targets = [f"{module}.{alias.name}" for alias in node.names]
                else:
                    targets = [module]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            for target in targets:
                if target == "simulacra" or target.startswith("simulacra."):
                    pair = (_unit(name), _unit(target))
                    if pair[0] != pair[1]:
                        edges.setdefault(pair, []).append(str(path.relative_to(PACKAGE)))
    return edges


def _layer_of(unit: str) -> int:
    for index, layer in enumerate(LAYERS):
        if unit in layer:
            return index
    raise AssertionError(f"unit '{unit}' is in no layer: add it to LAYERS in {__file__}")


def test_every_unit_has_a_layer() -> None:
    units = {_unit(_module(p)[0]) for p in PACKAGE.rglob("*.py")}
    for unit in units:
        _layer_of(unit)
    assert len(LAYERS) <= 9


def test_imports_run_down_the_layers_only() -> None:
    wrong = [
        f"{a} (layer {_layer_of(a)}) imports {b} (layer {_layer_of(b)}) in {', '.join(files)}"
        for (a, b), files in import_edges().items()
        if _layer_of(b) >= _layer_of(a)
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles_between_units() -> None:
    graph: dict[str, set[str]] = {}
    for a, b in import_edges():
        graph.setdefault(a, set()).add(b)
    seen: set[str] = set()
    path: list[str] = []

    def visit(unit: str) -> None:
        if unit in path:
            raise AssertionError("import cycle: " + " -> ".join([*path, unit]))
        if unit in seen:
            return
        path.append(unit)
        for other in graph.get(unit, ()):
            visit(other)
        path.pop()
        seen.add(unit)

    for unit in list(graph):
        visit(unit)
