"""Parameters declared once, and the rules their values must meet.

Each parameter of a model is one `Param`: its default, its rule (`Interval`, `OneOf`, `Kind`)
and a one-line help. A class deriving from `Declared` collects the `Param`s of its class
hierarchy (base classes first; a subclass that declares a name again replaces the base's
declaration in place, so it states only what differs) and from them gets:

- a keyword-only constructor that stores each value as given (the default when not given) and
  does nothing else (an unknown name is a TypeError, as for any function);
- `get_params` and `_param_names` (what model files save and `load` passes back);
- `_check_params`: every rule checked once, at `fit`, naming the parameter and what it allows
  (after scikit-learn's `_parameter_constraints`);
- `parameter_table` / `markdown_table`: the documentation (`simulacra inspect --params`,
  docs/parameters.md) and, through the generated `_catalog.py`, the command line's help.

    class NeuralSynthesizer(Synthesizer):
        epochs = EPOCHS.replace(default=300)
    class Diffusion(NeuralSynthesizer):
        epochs = NeuralSynthesizer.epochs.replace(default=200)  # only what differs

Why a descriptor and not `dataclasses(kw_only=True)`: a dataclass makes a field of every
class-level annotation, and our models annotate their learned state (`net_: Any`) and what
mixins read at class level; it needs its decorator (and its plugin's view) on every subclass;
a rule and a help would sit in `field(metadata=...)` dictionaries that type checkers do not
see; and changing one default in a subclass means writing the whole field again. A `Param`
is a non-data descriptor at run time: the constructor stores each value in the instance, which
then shadows the declaration, so reading `self.epochs` costs what a plain attribute does and
`vars(self)` shows it. For type checkers it also declares `__set__`, and its `__get__`
overloads make `self.epochs` an `int` and `Model.epochs` the `Param[int]` itself (mypy then
checks an override against its base like any attribute).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, overload

from .errors import ParameterError

T = TypeVar("T")


@dataclass(frozen=True)
class Interval:
    """A number in [low, high] (either end may be None; `high_open`: below `high`);
    `integer` requires an int."""

    low: float | None = None
    high: float | None = None
    integer: bool = False
    optional: bool = False
    high_open: bool = False

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.optional
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        if self.high is not None and (value >= self.high if self.high_open else value > self.high):
            return False
        return self.low is None or value >= self.low

    def __str__(self) -> str:
        kind = "an integer" if self.integer else "a number"
        text = f"{kind} in [{self.low if self.low is not None else '-inf'}, " + (
            f"{self.high if self.high is not None else 'inf'}{')' if self.high_open else ']'}"
        )
        return text + (" or None" if self.optional else "")


@dataclass(frozen=True)
class OneOf:
    """One of a fixed set of values."""

    values: tuple[Any, ...]

    def accepts(self, value: Any) -> bool:
        return value in self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class Kind:
    """An instance of a Python type (or None when `optional`)."""

    type: type | tuple[type, ...]
    optional: bool = False

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.optional
        if self.type is bool:
            return isinstance(value, bool)
        return isinstance(value, self.type) and not isinstance(value, bool)

    def __str__(self) -> str:
        names = self.type if isinstance(self.type, tuple) else (self.type,)
        return " or ".join(t.__name__ for t in names) + (" or None" if self.optional else "")


Constraint = Interval | OneOf | Kind


def check_params(owner: str, params: Mapping[str, Any], rules: Mapping[str, Constraint]) -> None:
    """Raise ParameterError naming the first parameter whose value breaks its rule."""
    for name, rule in rules.items():
        if name in params and not rule.accepts(params[name]):
            raise ParameterError(f"{owner}: {name} must be {rule}, not {params[name]!r}")


@dataclass(frozen=True)
class Param(Generic[T]):
    """One declared parameter: its default, the rule a value must meet (None: any), a
    one-line help, and for a default of None what it stands for: `means` in words, or `auto`,
    the values it stands for in a fit without and with differential privacy (the model picks
    one at `fit`)."""

    default: T
    rule: Constraint | None = None
    help: str = ""
    means: str = ""
    auto: tuple[Any, Any] | None = None

    def replace(self, **changes: Any) -> Param[T]:
        """This declaration with some fields changed (a subclass's other default or rule)."""
        return dataclasses.replace(self, **changes)

    def auto_default(self, without_dp: T, with_dp: T) -> Param[T | None]:
        """This declaration with default None, which stands for `without_dp`, or `with_dp`
        in a fit with differential privacy; a value given must meet the rule."""
        rule = self.rule
        if isinstance(rule, Interval | Kind):
            rule = dataclasses.replace(rule, optional=True)
        return Param(None, rule, self.help, auto=(without_dp, with_dp))

    def default_text(self) -> str:
        """The default as the documentation shows it: "0.5", "None: no DP", "None: 300, 20
        with DP"."""
        if self.auto is not None:
            return f"None: {self.auto[0]!r}, {self.auto[1]!r} with DP"
        return f"None: {self.means}" if self.default is None and self.means else repr(self.default)

    @overload
    def __get__(self, instance: None, owner: type) -> Param[T]: ...

    @overload
    def __get__(self, instance: object, owner: type) -> T: ...

    def __get__(self, instance: object, owner: type) -> Any:
        if instance is None:
            return self
        # reached only when the constructor did not run (the stored value shadows us)
        raise AttributeError(f"{owner.__name__} object has no parameter values yet")

    if TYPE_CHECKING:

        def __set__(self, instance: object, value: T) -> None: ...


class Declared:
    """Base of classes whose parameters are `Param`s: the constructor, `get_params` and the
    checks come from the declarations (see the module docstring)."""

    name: ClassVar[str] = ""
    _params: ClassVar[dict[str, Param[Any]]] = {}

    if TYPE_CHECKING:

        def __init__(self, **params: Any) -> None: ...

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in vars(cls):
            raise TypeError(f"{cls.__name__}: declare Params instead of writing __init__")
        params: dict[str, Param[Any]] = {}
        for klass in reversed(cls.__mro__):
            params.update((k, v) for k, v in vars(klass).items() if isinstance(v, Param))
        cls._params = params
        cls.__init__ = _constructor(cls, params)  # type: ignore[method-assign]

    @classmethod
    def _param_names(cls) -> list[str]:
        return list(cls._params)

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters, as given."""
        return {name: getattr(self, name) for name in self._params}

    def _check_params(self) -> None:
        rules = {name: p.rule for name, p in self._params.items() if p.rule is not None}
        check_params(self.name or type(self).__name__, self.get_params(), rules)


def _constructor(cls: type, params: dict[str, Param[Any]]) -> Any:
    """`__init__(self, *, name=default, ...)`: stores every parameter, nothing else."""

    def __init__(self: Any, **given: Any) -> None:
        for name in given:
            if name not in params:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument '{name}'")
        for name, param in params.items():
            setattr(self, name, given.get(name, param.default))

    kw = inspect.Parameter.KEYWORD_ONLY
    __init__.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)]
        + [inspect.Parameter(name, kw, default=p.default) for name, p in params.items()]
    )
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__doc__ = f"Store the parameters of {cls.__name__} (see `parameter_table`)."
    return __init__


def parameter_table(cls: type[Declared]) -> list[dict[str, str]]:
    """One row per parameter of `cls`: name, default, allowed values and help."""
    return [
        {
            "name": name,
            "default": p.default_text(),
            "allowed": "any" if p.rule is None else str(p.rule),
            "help": p.help,
        }
        for name, p in cls._params.items()
    ]


def markdown_table(cls: type[Declared]) -> str:
    """`parameter_table(cls)` as a Markdown table."""
    lines = ["| parameter | default | allowed | meaning |", "| --- | --- | --- | --- |"]
    for row in parameter_table(cls):
        lines.append(f"| `{row['name']}` | `{row['default']}` | {row['allowed']} | {row['help']} |")
    return "\n".join(lines)
