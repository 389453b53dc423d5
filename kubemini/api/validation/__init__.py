"""Semantic validation shared by many kinds: object meta, pod specs and templates, ports, selectors.

Kind-specific rules live in each kind's strategy (`kubemini.api.kinds`); the
whole check of one object is `kubemini.api.kinds.checking.validate_object`.
"""
