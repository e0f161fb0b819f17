"""Matching companies to space: features, the ranker and allocation (see issue: matching)."""
