"""Exceptions raised by simulacra: one clear line for users, each naming what went wrong."""

from __future__ import annotations


class SimulacraError(Exception):
    """Base class of every error simulacra raises on purpose."""


class DataError(SimulacraError, ValueError):
    """The input table cannot be used as it is (empty, wrong types, unknown column...)."""


class MetadataError(SimulacraError, ValueError):
    """Metadata is malformed, from a newer version, or does not match the table."""


class ModelFileError(SimulacraError, OSError):
    """A model file is missing, corrupt, truncated or from a newer format version."""


class ConditionError(SimulacraError, ValueError):
    """A sampling condition names an unknown column or a value that cannot be met."""


class ParameterError(SimulacraError, ValueError):
    """A parameter has a value outside its allowed set or range."""


class ClusterError(SimulacraError, RuntimeError):
    """A Dask cluster could not be started or reached."""


class NotFittedError(SimulacraError, RuntimeError):
    """A model was used before `fit` was called."""


class DataNote(UserWarning):
    """What simulacra assumed about the data or did to it on the way (text read as null,
    many rows of rare categories pooled); the command line prints each as a `note:` line."""
