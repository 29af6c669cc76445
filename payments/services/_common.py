"""What every payments service shares: who may do what over a county, money conversions, codes."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from assistance.errors import ApplicationError, PermissionRefused, StaleVersion
from assistance.models import Region, Staff
from assistance.roles import RegionLevel, Role
from assistance.scoping import holds_role_over
from eligibility.rules.parameters import add_months, month_start  # noqa: F401 (the engine's month arithmetic)

FEN = Decimal("0.01")


def today() -> dt.date:
    return timezone.localdate()


def to_fen(amount: Decimal) -> int:
    """Yuan (``Decimal``) → integer fen, rounding half up at the fen."""
    return int((Decimal(amount) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def yuan(fen: int | None) -> Decimal:
    """Integer fen → ``Decimal`` yuan with two places (no float on the way)."""
    return (Decimal(int(fen or 0)) / 100).quantize(FEN)


def money(value: Any, field: str, label: str = "金额", *, allow_zero: bool = False) -> Decimal:
    """Parse an amount typed by a person: a ``Decimal`` with at most two places, positive (or zero when
    allowed); ``ApplicationError`` (400) in Chinese otherwise."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError(
            f"{label}格式不正确", code="invalid", fields={field: ["请输入数字，最多两位小数"]}
        ) from None
    if not amount.is_finite() or amount != amount.quantize(FEN):
        raise ApplicationError(f"{label}最多两位小数", code="invalid", fields={field: ["最多两位小数"]})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ApplicationError(f"{label}必须大于0", code="invalid", fields={field: ["必须大于0"]})
    if amount >= Decimal("1000000000000"):
        raise ApplicationError(f"{label}过大", code="invalid", fields={field: ["金额过大"]})
    return amount


def county_of(region: Region) -> Region:
    """The county a region lies in (the region itself for a county); ``ApplicationError`` above county level."""
    county = region.county()
    if county is None:
        raise ApplicationError("该区划不属于任何县（市、区）", code="no_county")
    return county


def require_county(region: Region) -> Region:
    if region is None or region.level != RegionLevel.COUNTY:
        raise ApplicationError("请选择县（市、区）", code="invalid", fields={"county": ["必须是县级区划"]})
    return region


def is_payment_admin(actor: Staff, county: Region) -> bool:
    """The county administrator runs the payments (generates, checks, exports, imports the bank's results,
    allocates reserve funds, opens subsidy batches); a superuser and the system actor may too."""
    if actor.is_superuser or getattr(actor, "is_system", False):
        return True
    return holds_role_over(actor, Role.COUNTY_ADMIN, county)


def is_payment_reviewer(actor: Staff, county: Region) -> bool:
    """The county reviewer approves rolls, top-ups and write-offs (never the system actor: approval is a person's)."""
    return holds_role_over(actor, Role.COUNTY_REVIEWER, county) or actor.is_superuser


def require_payment_admin(actor: Staff, county: Region, doing: str) -> None:
    if not is_payment_admin(actor, county):
        raise PermissionRefused(f"只有本县（市、区）的管理员可以{doing}")


def require_payment_reviewer(actor: Staff, county: Region, doing: str) -> None:
    if not is_payment_reviewer(actor, county):
        raise PermissionRefused(f"只有本县（市、区）的审核人员可以{doing}")


def require_county_staff(actor: Staff, county: Region, doing: str) -> None:
    """Administrator or reviewer of the county."""
    if not (is_payment_admin(actor, county) or is_payment_reviewer(actor, county)):
        raise PermissionRefused(f"只有本县（市、区）的管理员或审核人员可以{doing}")


def check_version(obj, expected: int | None) -> None:
    if expected is not None and int(expected) != obj.version:
        raise StaleVersion()
