"""Typed queries: the only place that builds SQL."""
