"""Objects ──► the rows the UI draws: one pure function per kind, each row a small JSON dict.

The browser never sees a whole object in a list (only the pod page asks for one),
so the stream stays small and every column is decided here, where it is tested.
"""
