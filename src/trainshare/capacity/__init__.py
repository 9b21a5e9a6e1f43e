"""Shared GPU capacity: the live snapshot of the reservations a spec shares (`model`) and the
view with its findings (`view`). Pure: the reader is `audit/capacity.py`."""
