"""Writes to the assistance standards. Each one is audited in its transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region, Staff
from assistance.roles import RegionLevel
from assistance.services import can_administer_region, full_clean_or_raise
from audit.services import audit_record, model_snapshot
from cases.choices import AreaType
from eligibility.models import Standard


@transaction.atomic
def standard_record(
    *,
    actor: Staff,
    county: Region,
    area_type: str,
    effective_from: datetime.date,
    monthly_amount: Decimal,
    basis: str,
    is_demo: bool = False,
) -> Standard:
    """Record a county's monthly 低保 standard for urban or rural households from a month onwards.

    ``effective_from`` is normalised to the first day of its month. A second standard for the same
    county, area type and month is refused (409): a standard in force is corrected by recording a new
    one from a later month, never by overwriting, so past decisions keep the figure they used.
    Callers handle :class:`ApplicationError` (400 bad input, 403 not the county's administrator).
    """
    if county.level != RegionLevel.COUNTY:
        raise ApplicationError("低保标准须按县（市、区）设定", code="invalid", fields={"county": ["请选择县级区划"]})
    if not can_administer_region(actor, county):
        raise PermissionRefused("只有本县（市、区）的管理员可以设定低保标准")
    if area_type not in AreaType.values:
        raise ApplicationError("请选择城乡类别", code="invalid", fields={"area_type": ["请选择城市或农村"]})
    if not isinstance(effective_from, datetime.date):
        raise ApplicationError("请填写起始月份", code="invalid", fields={"effective_from": ["这是必填项"]})
    try:
        amount = Decimal(str(monthly_amount))
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise ApplicationError(
            "低保标准应为大于0的金额", code="invalid", fields={"monthly_amount": ["请输入大于0的金额"]}
        )
    month = effective_from.replace(day=1)
    if Standard.objects.filter(county=county, area_type=area_type, effective_from=month).exists():
        message = f"{county.name}{AreaType(area_type).label}低保标准自{month:%Y年%m月}起已有记录，不能重复设定"
        raise ApplicationError(message, code="duplicate_standard", fields={"effective_from": [message]}, status=409)
    standard = Standard(
        county=county,
        area_type=area_type,
        effective_from=month,
        monthly_amount=amount,
        basis=(basis or "").strip(),
        is_demo=is_demo,
        recorded_by=actor,
    )
    full_clean_or_raise(standard, exclude=["recorded_by"])
    try:
        with transaction.atomic():
            standard.save()
    except IntegrityError:
        # Two administrators recorded the same month at once; the other one won.
        raise ApplicationError(
            "该月份的低保标准已有记录，不能重复设定", code="duplicate_standard", status=409
        ) from None
    audit_record(
        actor=actor,
        action="standard.create",
        target=standard,
        after=model_snapshot(standard),
        region=county,
    )
    return standard
