"""One module per user task: (store, Selection, parameters) -> a result dataclass.

A task loads what it needs through ``geo.store``/``geo.query`` in a short first step, then runs pure methods.
"""
