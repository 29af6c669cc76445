"""Serializers of the registry API.

Input serializers check shape and types only (required fields, lengths, number ranges, known choices,
ids that resolve inside the actor's jurisdiction); the rules live in ``cases.services``. They refuse
keys they do not know, so a typo or a read-only field sent back is a 400, not silently ignored.

Output serializers show what any staff member in scope may see: ID numbers and bank accounts are
masked (the full ID number has its own audited endpoint), every choice comes with a ``*_display``
Chinese label.

Layout: ``_fields`` (field classes and helpers), ``_base`` (``StrictInputSerializer``, ``PatchFields``,
``RegionRefSerializer``), ``households``, ``members``, ``records`` (incomes, assets, expenses,
supporters) and ``history`` (audit events). Import from ``cases.serializers``; every public name is
re-exported here.
"""

from cases.serializers._base import (
    UNKNOWN_FIELD_MESSAGE,
    PatchFields,
    RegionRefSerializer,
    StrictInputSerializer,
)
from cases.serializers._fields import (
    MONEY_DIGITS,
    REGION_NOT_FOUND,
    EnumChoiceField,
    EnumChoiceFieldExtension,
    HouseholdMemberField,
    IdNumberField,
    IllnessField,
    MoneyField,
    MonthField,
    ScopedRegionField,
    StrictPrimaryKeyField,
    money_field,
)
from cases.serializers.history import AuditEventSerializer
from cases.serializers.households import (
    MAX_MEMBERS_PER_REQUEST,
    ChangeHeadInputSerializer,
    HouseholdCreateInputSerializer,
    HouseholdDetailSerializer,
    HouseholdFieldsSerializer,
    HouseholdFilterSerializer,
    HouseholdListSerializer,
    HouseholdUpdateInputSerializer,
)
from cases.serializers.members import (
    MemberFilterSerializer,
    MemberInputSerializer,
    MemberRemoveInputSerializer,
    MemberSerializer,
    MemberUpdateInputSerializer,
    RevealedIdNumberSerializer,
    RevealInputSerializer,
)
from cases.serializers.records import (
    AssetInputSerializer,
    AssetSerializer,
    AssetUpdateInputSerializer,
    ExpenseInputSerializer,
    ExpenseSerializer,
    ExpenseUpdateInputSerializer,
    IncomeCreateInputSerializer,
    IncomeSerializer,
    IncomeUpdateInputSerializer,
    SupporterInputSerializer,
    SupporterSerializer,
    SupporterUpdateInputSerializer,
)

__all__ = [
    "MAX_MEMBERS_PER_REQUEST",
    "MONEY_DIGITS",
    "REGION_NOT_FOUND",
    "UNKNOWN_FIELD_MESSAGE",
    "AssetInputSerializer",
    "AssetSerializer",
    "AssetUpdateInputSerializer",
    "AuditEventSerializer",
    "ChangeHeadInputSerializer",
    "EnumChoiceField",
    "EnumChoiceFieldExtension",
    "ExpenseInputSerializer",
    "ExpenseSerializer",
    "ExpenseUpdateInputSerializer",
    "HouseholdCreateInputSerializer",
    "HouseholdDetailSerializer",
    "HouseholdFieldsSerializer",
    "HouseholdFilterSerializer",
    "HouseholdListSerializer",
    "HouseholdMemberField",
    "HouseholdUpdateInputSerializer",
    "IdNumberField",
    "IllnessField",
    "IncomeCreateInputSerializer",
    "IncomeSerializer",
    "IncomeUpdateInputSerializer",
    "MemberFilterSerializer",
    "MemberInputSerializer",
    "MemberRemoveInputSerializer",
    "MemberSerializer",
    "MemberUpdateInputSerializer",
    "MoneyField",
    "MonthField",
    "PatchFields",
    "RegionRefSerializer",
    "RevealInputSerializer",
    "RevealedIdNumberSerializer",
    "ScopedRegionField",
    "StrictInputSerializer",
    "StrictPrimaryKeyField",
    "SupporterInputSerializer",
    "SupporterSerializer",
    "SupporterUpdateInputSerializer",
    "money_field",
]
