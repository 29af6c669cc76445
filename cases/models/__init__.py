"""The models of ``cases``: the household registry (``registry``) and applications, their workflow and
enrolments (``workflow``)."""

from cases.models.registry import (
    MONEY,
    Asset,
    Household,
    HouseholdGroupObjectPermission,
    HouseholdUserObjectPermission,
    LegalSupporter,
    Member,
    MemberIncome,
    RigidExpense,
    account_validator,
    phone_validator,
)
from cases.models.workflow import (
    Application,
    ApplicationEvent,
    DiscoveryReport,
    Enrolment,
    EnrolmentChange,
    Evaluation,
    HomeVisit,
    IntegrityPenalty,
    Objection,
    RelativeFiling,
)

__all__ = [
    "MONEY",
    "Application",
    "ApplicationEvent",
    "Asset",
    "DiscoveryReport",
    "Enrolment",
    "EnrolmentChange",
    "Evaluation",
    "HomeVisit",
    "Household",
    "HouseholdGroupObjectPermission",
    "HouseholdUserObjectPermission",
    "IntegrityPenalty",
    "LegalSupporter",
    "Member",
    "MemberIncome",
    "Objection",
    "RelativeFiling",
    "RigidExpense",
    "account_validator",
    "phone_validator",
]
