"""One strategy per kind (defaults, validation, update rules, selectable fields, table columns).

`strategy.py` holds the base class the generic apiserver paths call; one module per
API group (`apps.py`, `batch.py`, ...) or, for the core group, per area (`core/pods.py`).
`kubemini.api.registry` pairs each record with its strategy.
"""
