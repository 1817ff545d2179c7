"""Measures of synthetic data: fidelity, utility, diversity, privacy."""
