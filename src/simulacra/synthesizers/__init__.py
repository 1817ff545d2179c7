"""Table synthesizers behind one interface, found by name in the registry."""

from ..registry import names
from .base import Synthesizer

__all__ = ["Synthesizer", "names"]
