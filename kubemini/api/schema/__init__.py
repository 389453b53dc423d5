"""The upstream API schemas and what kubemini derives from them (see definitions.py, nodes.py)."""
