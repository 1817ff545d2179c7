"""Differential privacy: the budget and its accountant, Gaussian-mechanism statistics, DP-SGD.

See `budget.py` for how (epsilon, delta) is split and accounted, `mechanisms.py` for the
statistics the TableTransformer learns under a budget, and `sgd.py` for DP-SGD training.
"""

from .budget import PrivacyBudget, default_delta, epsilon_spent

__all__ = ["PrivacyBudget", "default_delta", "epsilon_spent"]
