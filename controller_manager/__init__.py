"""controller_manager (not implemented yet)."""
