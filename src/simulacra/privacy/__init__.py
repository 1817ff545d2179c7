"""Differential privacy: the budget and its accountant, private randomness, the ledger of one
DP fit, Gaussian-mechanism statistics, DP-SGD.

See `budget.py` for how (epsilon, delta) is split and accounted, `ledger.py` for the record of
the mechanisms one fit runs (and the neighbour definition), `randomness.py` for the noise
nobody can replay, `mechanisms.py` for the statistics the TableTransformer learns under a
budget, and `sgd.py` for DP-SGD training.
"""

from .budget import DEFAULT_DELTA, PrivacyBudget, epsilon_spent
from .ledger import NEIGHBOURS, PrivacyLedger

__all__ = ["DEFAULT_DELTA", "NEIGHBOURS", "PrivacyBudget", "PrivacyLedger", "epsilon_spent"]
