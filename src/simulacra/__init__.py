"""simulacra: synthetic data for machine learning."""

__version__ = "0.1.0"

from .errors import (  # noqa: E402
    ConditionError,
    DataError,
    MetadataError,
    ModelFileError,
    NotFittedError,
    ParameterError,
    SimulacraError,
)
from .evaluation import Report, evaluate  # noqa: E402
from .io import read_table, write_table  # noqa: E402
from .metadata import Column, Metadata  # noqa: E402
from .rebalance import rebalance  # noqa: E402
from .specs import generate  # noqa: E402
from .synthesizers import Synthesizer  # noqa: E402

__all__ = [
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
]
