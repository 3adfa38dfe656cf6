"""Sanctions and PEP screening: list importers, the matching engine, users' screening.

`importers/` and `watchlists.py` load the lists; `normalise.py`, `matcher.py` and `index.py`
are the matching engine (pure Python, an in-memory index per process); `services.py` screens
users and records matches; `tasks.py` runs screening and rescreens in the worker.
"""
