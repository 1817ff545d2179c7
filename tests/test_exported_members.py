"""The public surface is pinned: a change to `simulacra.__all__` must be deliberate."""

import subprocess
import sys

import simulacra

PUBLIC = {
    "Column",
    "ConditionError",
    "DataError",
    "Metadata",
    "MetadataError",
    "ModelFileError",
    "NotFittedError",
    "ParameterError",
    "Report",
    "SimulacraError",
    "Synthesizer",
    "__version__",
    "evaluate",
    "generate",
    "read_table",
    "rebalance",
    "write_table",
}


def test_all_is_pinned() -> None:
    assert set(simulacra.__all__) == PUBLIC
    for name in PUBLIC:
        assert hasattr(simulacra, name), name


def test_errors_share_one_base() -> None:
    for name in PUBLIC:
        value = getattr(simulacra, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, simulacra.SimulacraError)


def test_import_stays_light() -> None:
    """`import simulacra` must not pull in PyTorch, scikit-learn or matplotlib."""
    heavy = "{'torch', 'sklearn', 'matplotlib'}"
    code = f"import simulacra, sys; print(sorted({heavy} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_names_load_on_first_use() -> None:
    assert set(simulacra.__all__) <= set(dir(simulacra))
    assert simulacra.__version__ == "0.1.0"
    try:
        simulacra.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def test_function_keeps_its_name_when_its_module_loads_first() -> None:
    """`simulacra.rebalance` is the function even when `simulacra.rebalance` (the module) was
    imported before the name was first used."""
    code = (
        "import sys, simulacra.rebalance, simulacra; "
        "print(simulacra.rebalance is sys.modules['simulacra.rebalance'].rebalance)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
