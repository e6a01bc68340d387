"""Computations that are more than a query: statistics and model fits, each module named for what it holds."""
