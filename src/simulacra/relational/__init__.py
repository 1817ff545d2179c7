"""Datasets of several related tables (parents, children, keys) and databases."""
