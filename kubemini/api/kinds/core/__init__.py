"""Strategies for the core (v1) group."""
