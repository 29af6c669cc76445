"""The rules engine: pure functions over plain data. No Django import anywhere in this package.

Frozen dataclasses in (``facts``), the parameters of one jurisdiction for one month in (``parameters``),
a :class:`~eligibility.rules.decision.Decision` with its explanation out.
"""
