"""The models of ``cases``: the household registry (``registry``) and applications, their workflow and
enrolments (``workflow``), and members' life events (``events``)."""

from cases.models.basis import EnrolmentBasis, EnrolmentBasisIncome, EnrolmentBasisPerson, EnrolmentBasisSupporter
from cases.models.events import LifeEvent
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
    "EnrolmentBasis",
    "EnrolmentBasisIncome",
    "EnrolmentBasisPerson",
    "EnrolmentBasisSupporter",
    "EnrolmentChange",
    "Evaluation",
    "HomeVisit",
    "Household",
    "HouseholdGroupObjectPermission",
    "HouseholdUserObjectPermission",
    "IntegrityPenalty",
    "LegalSupporter",
    "LifeEvent",
    "Member",
    "MemberIncome",
    "Objection",
    "RelativeFiling",
    "RigidExpense",
    "account_validator",
    "phone_validator",
]
