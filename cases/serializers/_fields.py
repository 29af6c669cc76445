"""Field classes and field helpers shared by the registry serializers.

Strict primary keys (regions inside the actor's jurisdiction, members of the household in the
serializer context, recognised illnesses), ID numbers, months and money; ``EnumChoiceField`` with its
drf-spectacular extension (imported with the package, so the extension is always registered); and the
small helpers that build the common field shapes (``_choice``, ``_optional_text``, ``_display`` …).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from assistance.models import RecognisedIllness, Region
from cases.id_numbers import parse_id_number
from cases.models import Member
from cases.selectors import region_list_for, residence_regions_for

MONEY_DIGITS = 14  # cases.models.MONEY: 14 digits, 2 decimals (up to 999 999 999 999.99 yuan)
REGION_NOT_FOUND = "区划不存在或不在您的管辖范围内"


# --- fields ------------------------------------------------------------------------------------------


class EnumChoiceField(serializers.ChoiceField):
    """A choice field bound to a ``TextChoices`` class, documented as the named enum ``<Class>Enum``."""

    def __init__(self, choices_class: type[models.TextChoices], **kwargs: Any) -> None:
        self.choices_class = choices_class
        super().__init__(choices=choices_class.choices, **kwargs)


class EnumChoiceFieldExtension(OpenApiSerializerFieldExtension):
    """One schema component per choices class (``RelationEnum``, ``SupporterRelationEnum`` …).

    drf-spectacular would otherwise name enums after the field (``kind``, ``relation``) and warn when
    two choice sets share a field name.
    """

    target_class = EnumChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field: EnumChoiceField = self.target
        choices_class = field.choices_class
        component = ResolvedComponent(
            name=f"{choices_class.__name__}Enum",
            type=ResolvedComponent.SCHEMA,
            object=choices_class,
            schema={
                "type": "string",
                "enum": list(choices_class.values),
                "description": "\n".join(f"* `{value}` - {label}" for value, label in choices_class.choices),
            },
        )
        auto_schema.registry.register_on_missing(component)
        if field.allow_blank:
            return {"oneOf": [component.ref, {"type": "string", "enum": [""], "description": "空：未填写"}]}
        return component.ref


class StrictPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key that must be an integer (or a string of digits) and resolve in ``get_queryset()``."""

    default_error_messages = {
        "required": "这是必填项",
        "does_not_exist": "未找到该记录，或不在您的管辖范围内",
        "incorrect_type": "应为整数编号",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (isinstance(data, int) or (isinstance(data, str) and data.isdigit())):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)

    def actor(self):
        return self.context["request"].user


class ScopedRegionField(StrictPrimaryKeyField):
    """A region id (at ``level``, if given) inside the actor's jurisdiction.

    ``reach="county"`` widens it to the counties of the actor's jurisdiction (a household may live in
    another town of the county than its 户籍). A missing id and one out of reach get the same message,
    so the answer does not reveal which ids exist.
    """

    default_error_messages = {"does_not_exist": REGION_NOT_FOUND, "incorrect_type": "区划编号应为整数"}

    def __init__(self, *, level: str = "", reach: str = "jurisdiction", **kwargs: Any) -> None:
        self.level = level
        self.reach = reach
        super().__init__(queryset=Region.objects.all(), **kwargs)

    def get_queryset(self):
        if self.reach == "county":
            regions = residence_regions_for(self.actor())
            return regions.filter(level=self.level) if self.level else regions
        return region_list_for(actor=self.actor(), level=self.level)


class HouseholdMemberField(StrictPrimaryKeyField):
    """A member of the household in ``context["household"]`` (assets' owners, supported members …)."""

    default_error_messages = {"does_not_exist": "请选择本户成员"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Member.objects.all(), **kwargs)

    def get_queryset(self):
        return Member.objects.filter(household=self.context["household"])


class IllnessField(StrictPrimaryKeyField):
    """An active entry of a county's recognised serious-illness list (the service checks the county)."""

    default_error_messages = {"does_not_exist": "请从本县重病目录中选择"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=RecognisedIllness.objects.filter(is_active=True), **kwargs)


class IdNumberField(serializers.CharField):
    """An 18-digit resident ID number, validated (checksum, birth date, region) and normalised."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)  # spaces and dashes are allowed and stripped
        kwargs.setdefault("help_text", "18位公民身份号码；校验位、出生日期、行政区划代码均须有效")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return parse_id_number(value).number
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")


class MonthField(serializers.DateField):
    """A month, as ``YYYY-MM`` or any date in it; stored as the first day of the month."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "月份：YYYY-MM，或该月任一日期 YYYY-MM-DD（按当月1日保存）")
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str) and _MONTH_RE.match(value.strip()):
            value = value.strip() + "-01"
        day = super().to_internal_value(value)
        return day.replace(day=1)


class MoneyField(serializers.DecimalField):
    """Yuan with two decimals, not negative, at most 14 digits (cases.models.MONEY); never a float."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_digits=MONEY_DIGITS, decimal_places=2, min_value=Decimal("0"), coerce_to_string=True, **kwargs
        )

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return value.copy_abs() if value == 0 else value  # "-0" is zero


def money_field(**kwargs: Any) -> MoneyField:
    return MoneyField(**kwargs)


def _choice(choices_class: type[models.TextChoices], **kwargs: Any) -> EnumChoiceField:
    return EnumChoiceField(choices_class, **kwargs)


def _optional_choice(choices_class: type[models.TextChoices]) -> EnumChoiceField:
    return EnumChoiceField(choices_class, required=False, allow_blank=True)


def _optional_date(**kwargs: Any) -> serializers.DateField:
    return serializers.DateField(required=False, allow_null=True, **kwargs)


def _optional_text(max_length: int) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length)


def _version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="读取记录时得到的版本号；记录已被他人修改时返回 409 stale_version"
    )


def _display(source: str) -> serializers.CharField:
    return serializers.CharField(source=source, read_only=True)
