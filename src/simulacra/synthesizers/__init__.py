"""Synthesizers behind one interface, found by name in the registry."""

from .base import Condition, Synthesizer
from .registry import names

__all__ = ["Condition", "Synthesizer", "names"]
