"""Rules every synthesizer keeps by construction: the reparametrisation of `plan.py` (the
rule language itself is `specs/rules.py`)."""

from .plan import RulePlan

__all__ = ["RulePlan"]
