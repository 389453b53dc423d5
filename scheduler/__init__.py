"""scheduler (not implemented yet)."""
