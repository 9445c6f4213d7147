"""Aggregation, statistics and rendering of results."""
