"""Hostile specification files: every size a spec decides is refused past its limit, early, with
one clear error naming the file or column, the size and the limit; nothing in a spec runs code.

Each input is small; the point of most is that it would be huge (or endless) once expanded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from simulacra.errors import ParameterError
from simulacra.specs import load_spec
from simulacra.specs.formula import FormulaError

Refused = Callable[[list[str], Path], str]  # the `refused` fixture of conftest.py


def alias_bomb(levels: int = 9, refs: int = 9) -> str:
    """YAML whose last anchor expands to refs ** levels strings (9 ** 9: 387 million)."""
    lines = ["  a0: &a0 [" + ", ".join(["lol"] * refs) + "]"]
    for i in range(1, levels):
        lines.append(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * refs) + "]")
    return "description:\n" + "\n".join(lines) + "\ncolumns:\n  x: {distribution: normal}\n"


def spec_text(columns: str, top: str = "") -> str:
    return f"{top}columns:\n{columns}\n"


def generate(tmp_path: Path, text: str, refused: Refused) -> str:
    """Run `simulacra generate` on `text`: exit 1, one `error:` line naming the file, no output."""
    spec = tmp_path / "hostile.yaml"
    spec.write_text(text)
    target = tmp_path / "out.csv"
    return refused(["generate", str(spec), "-n", "10", "-o", str(target)], target)


def test_alias_bomb_is_refused_before_expansion(tmp_path: Path, refused: Refused) -> None:
    line = generate(tmp_path, alias_bomb(), refused)
    assert "hostile.yaml: more than 1,000,000 values once its aliases are expanded" in line
    # merge keys multiply the same way (the merged mapping stays small, the work does not)
    merges = ["  m0: &m0 {" + ", ".join(f"k{j}: v" for j in range(9)) + "}"]
    for i in range(1, 9):
        merges.append(f"  m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * 9) + "]}")
    merge_bomb = "description:\n" + "\n".join(merges) + "\ncolumns:\n  x: {distribution: normal}\n"
    with pytest.raises(ParameterError, match="aliases are expanded"):
        load_spec(merge_bomb)
    # anchors and aliases of a sensible size still work
    fine = "base: &b {distribution: normal}\ncolumns:\n  x: *b\n  y: *b\n"
    with pytest.raises(ParameterError, match="unknown key 'base'"):
        load_spec(fine)  # reaches validation: the aliases were read
    assert load_spec(fine.replace("base:", "description:")).columns == ["x", "y"]


def test_alias_to_itself_is_refused() -> None:
    with pytest.raises(ParameterError, match=r"alias \*a refers to a node that contains it"):
        load_spec("description: &a [1, *a]\ncolumns:\n  x: {distribution: normal}\n")


def test_deep_nesting_is_refused_in_yaml_and_json(tmp_path: Path, refused: Refused) -> None:
    deep = "[" * 5_000 + "]" * 5_000
    line = generate(
        tmp_path, f"description: {deep}\ncolumns:\n  x: {{distribution: normal}}\n", refused
    )
    assert "nested more than 32 levels deep" in line
    with pytest.raises(
        ParameterError, match="JSON nested 5001 levels deep, more than the limit of 32"
    ):
        load_spec('{"columns": {"x": {"distribution": "normal"}}, "description": ' + deep + "}")
    # brackets inside JSON strings are text, not nesting
    text = '{"description": "' + "[" * 100 + '", "columns": {"x": {"distribution": "normal"}}}'
    assert load_spec(text).columns == ["x"]


def test_large_spec_file_is_refused_unread(tmp_path: Path, refused: Refused) -> None:
    text = spec_text("  x: {distribution: normal}") + "# " + "x" * 1_000_000 + "\n"
    line = generate(tmp_path, text, refused)
    assert "specification file of 1,000,0" in line and "limit of 1,000,000" in line
    with pytest.raises(ParameterError, match="characters, more than the limit of 1,000,000"):
        load_spec(text)


def test_unsafe_yaml_tags_never_run_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"columns: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(
        ParameterError, match="not valid YAML/JSON.*could not determine a constructor"
    ):
        load_spec(text)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{age:>1000000000}", "asks for a width of 1,000,000,000, more than the limit of 100"),
        ("{age:.100000f}", "asks for a precision of 100,000, more than the limit of 100"),
        ("{when:" + "%c" * 60 + "}", "is longer than the limit of 100 characters"),
        ("x" * 2_001, "template of 2,001 characters, more than the limit of 2,000"),
        ("{long}" * 20, "makes values of 18,000 characters, more than the limit of 10,000"),
    ],
)
def test_template_widths_and_output_are_bounded(template: str, message: str) -> None:
    columns = {
        "age": {"distribution": "integers", "low": 1, "high": 90},
        "when": {"type": "date", "start": "2020-01-01", "end": "2020-12-31"},
        "long": {"categories": ["y" * 900]},
        "t": {"template": template},
    }
    with pytest.raises(ParameterError, match=f"column 't': .*{message}"):
        load_spec({"columns": columns})


def test_template_width_through_the_cli(tmp_path: Path, refused: Refused) -> None:
    columns = (
        "  age: {distribution: integers, low: 1, high: 90}\n  t: {template: '{age:>1000000000}'}"
    )
    line = generate(tmp_path, spec_text(columns), refused)
    assert line == (
        "error: column 't': format '>1000000000' asks for a width of 1,000,000,000, "
        "more than the limit of 100"
    )


def test_formula_terms_depth_and_numbers_are_bounded(tmp_path: Path, refused: Refused) -> None:
    def formula(text: str) -> dict:
        return {"columns": {"x": {"distribution": "normal"}, "y": {"formula": text}}}

    line = generate(
        tmp_path,
        spec_text("  x: {distribution: normal}\n  y: {formula: '" + "+".join(["x"] * 1_000) + "'}"),
        refused,
    )
    assert "column 'y': formula has more than 500 terms (the limit)" in line
    # long chains within the limit evaluate (no RecursionError)
    table = load_spec(formula(" + ".join(["x"] * 200))).generate(3)
    assert np.allclose(table["y"], 200 * table["x"])
    assert len(load_spec(formula(" and ".join(["x > 0"] * 250))).generate(2)) == 2
    with pytest.raises(FormulaError, match="nested deeper than 60 levels"):
        load_spec(formula("(" * 100 + "x" + ")" * 100))
    with pytest.raises(FormulaError, match="exponent larger than 100"):
        load_spec(formula("10**10**10"))
    with pytest.raises(FormulaError, match="exponent larger than 100"):
        load_spec(formula("10**(10*x*0 + 1000)"))
    with pytest.raises(FormulaError, match="formula longer than 5000"):
        load_spec(formula("x" * 5_001))
    with pytest.raises(FormulaError, match=r"column 'y': round\(\): .* at position 1"):
        load_spec(formula("round(x, 1e300)"))
    # integer literals too long for int64 are floats, not 4,000-digit Python integers
    assert load_spec(formula("9" * 4_400 + " > x")).generate(2)["y"].all()


def col(**options: object) -> dict:
    return {"c": options}


SIZES = [
    ({"x": {"distribution": "normal"}}, {"rows": 10**12}, "'rows' is 1,000,000,000,000, more"),
    ({f"c{i}": {"value": 1} for i in range(1_001)}, {}, "1,001 columns or more, more than"),
    (col(type="correlated", count=100_000, strength=0.5), {}, r"'count' must be in \[1, 1000\]"),
    (
        col(type="correlated", columns=[f"v{i}" for i in range(1_001)], strength=0.1),
        {},
        "1,001 columns, more than the limit of 1,000",
    ),
    (
        col(type="classification", features=2, classes=10_000),
        {},
        r"'classes' must be in \[2, 1000\]",
    ),
    (col(categories=list(range(100_001))), {}, "100,001 categories, more than the limit"),
    (col(categories=[[1, 2], [3, 4]]), {}, "categories must be single values"),
    (col(value=[1, 2, 3]), {}, "'value' must be a single value"),
    (
        col(distribution="mixture", components=[{"mean": i} for i in range(1_001)]),
        {},
        "mixture of 1,001 components, more than the limit of 1,000",
    ),
    (col(pattern="X{1000000000 digits}"), {}, "1,000,000,000 characters of placeholders"),
    (col(pattern="X{" + "9" * 5_000 + " digits}"), {}, "column 'c': Exceeds the limit"),
    (col(pattern="X{int}", first=1e300), {}, r"'first' must be in \[-1000000000000000"),
    (col(provider="name", pool=10_000_000), {}, r"'pool' must be in \[1, 1000000\]"),
    (col(distribution="integers", low=0, high=1e300), {}, r"absolute value below 2\*\*62"),
    (col(distribution="binomial", n=1e300, p=0.5), {}, r"an integer >= 0 and below 2\*\*62"),
    (col(distribution="poisson", lam=1e300), {}, r"> 0 and below 1e\+18"),
    (
        col(type="date", start="2020-01-01", end="2020-02-01", format="%c" * 51),
        {},
        "'format' is longer than the limit of 100",
    ),
]


@pytest.mark.parametrize(("columns", "top", "message"), SIZES)
def test_other_spec_sizes_are_bounded(columns: dict, top: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        load_spec({**top, "columns": columns})


def test_a_column_defined_twice_is_refused_by_name(tmp_path: Path, refused: Refused) -> None:
    # issue 23, item 29: YAML kept the second definition and lost the first silently
    text = spec_text(
        "  age: {distribution: uniform, low: 18, high: 80}\n"
        "  income: {distribution: normal}\n"
        "  age: {distribution: normal, mean: 40}"
    )
    line = generate(tmp_path, text, refused)
    assert "hostile.yaml: column 'age' is defined twice (lines 2 and 4)" in line
    with pytest.raises(ParameterError, match="key 'mean' is defined twice"):
        load_spec(spec_text("  x: {distribution: normal, mean: 1, mean: 2}"))
    json_text = '{"columns": {"age": {"distribution": "normal"}, "age": {"type": "id"}}}'
    with pytest.raises(ParameterError, match="'age' is defined twice in the same object"):
        load_spec(json_text)
    # merge keys and aliases are not duplicates
    merged = "  x: &b {distribution: normal, mean: 1}\n  y: {<<: *b, mean: 3}\n  z: *b"
    assert load_spec(spec_text(merged)).generate(5, seed=0).shape == (5, 3)
