"""Reversible column transforms shared by every model."""

from .base import Block, Encoder
from .table import TableTransformer

__all__ = ["Block", "Encoder", "TableTransformer"]
