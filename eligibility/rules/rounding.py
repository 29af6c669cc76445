"""Exact money arithmetic for the rules: fractions inside, ``Decimal`` out.

Per-capita figures divide by the number of members (1 000 / 3), so the rules compute with
:class:`fractions.Fraction` and round once, at the end, to the profile's precision (``dibao.rounding``:
fen / jiao / yuan) with ROUND_HALF_UP — exactly, with no binary or 28-digit intermediate error. Results are
``Decimal`` with two places ("100.00"), whatever the precision, so amounts print alike everywhere.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

# The step each rounding mode rounds to, in yuan.
STEPS: dict[str, Decimal] = {"fen": Decimal("0.01"), "jiao": Decimal("0.1"), "yuan": Decimal("1")}
LABELS: dict[str, str] = {"fen": "保留到分", "jiao": "保留到角", "yuan": "保留到元"}
CENT = Decimal("0.01")

Number = Decimal | Fraction | int


def exact(value: Number) -> Fraction:
    """Return ``value`` as an exact fraction (a ``Decimal`` converts without loss)."""
    return value if isinstance(value, Fraction) else Fraction(value)


def _half_up(value: Fraction, step: Fraction) -> Fraction:
    units = value / step
    magnitude = abs(units)
    whole = magnitude.numerator // magnitude.denominator
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    return (whole if units >= 0 else -whole) * step


def round_money(value: Number, mode: str) -> Decimal:
    """Round ``value`` half-up to the step of ``mode`` and return it as a two-place ``Decimal``.

    Raise ``ValueError`` for an unknown mode (a profile error, not a fact error).
    """
    if mode not in STEPS:
        raise ValueError(f"未知的取整方式：{mode}")
    rounded = _half_up(exact(value), Fraction(STEPS[mode]))
    return (Decimal(rounded.numerator) / Decimal(rounded.denominator)).quantize(CENT)


def shown(value: Number) -> Decimal:
    """Return ``value`` rounded half-up to the fen, for showing an intermediate figure in an explanation."""
    return round_money(value, "fen")


def is_multiple_of_step(amount: Decimal, mode: str) -> bool:
    """Whether ``amount`` is an exact multiple of the step of ``mode`` (what rounding guarantees)."""
    return amount % STEPS[mode] == 0
