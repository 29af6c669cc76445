"""Models of the payments app (资金发放); see the topic modules."""

from payments.models.recovery import Receivable, ReceivableEntry, ReceivableItem
from payments.models.reserve import ReserveEntry, ReserveFund, ReserveTopUp
from payments.models.rolls import (
    BankResultImport,
    BankResultRow,
    BankTemplate,
    CountyPaymentSetting,
    PaymentLine,
    PaymentRoll,
)
from payments.models.special import Instalment, InstalmentPlan, PriceSubsidyBatch

__all__ = [
    "BankResultImport",
    "BankResultRow",
    "BankTemplate",
    "CountyPaymentSetting",
    "Instalment",
    "InstalmentPlan",
    "PaymentLine",
    "PaymentRoll",
    "PriceSubsidyBatch",
    "Receivable",
    "ReceivableEntry",
    "ReceivableItem",
    "ReserveEntry",
    "ReserveFund",
    "ReserveTopUp",
]
