"""Template filters for money kept in integer fen."""

from __future__ import annotations

from django import template

from payments.services._common import yuan

register = template.Library()


@register.filter
def fen_yuan(fen) -> str:
    """12345 → "123.45" (thousands separated: 1,234,567.89)."""
    if fen in (None, ""):
        return ""
    return f"{yuan(int(fen)):,}"
