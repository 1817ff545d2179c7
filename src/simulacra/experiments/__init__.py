"""Reproductions of published experiments (the reference paper's three experiments)."""

from .paper import reproduce_paper

__all__ = ["reproduce_paper"]
