"""API of the payments app: back-pay (补发) and recovery (追回)."""

from django.urls import path

from payments.apis import recovery

urlpatterns = [
    path("receivables/", recovery.ReceivableListApi.as_view(), name="api-receivable-list"),
    path("receivables/<int:receivable_id>/", recovery.ReceivableDetailApi.as_view(), name="api-receivable-detail"),
    path(
        "receivables/<int:receivable_id>/repayments/",
        recovery.ReceivableRepaymentApi.as_view(),
        name="api-receivable-repayment",
    ),
    path(
        "receivables/<int:receivable_id>/write-offs/",
        recovery.ReceivableWriteOffApi.as_view(),
        name="api-receivable-write-off",
    ),
    path("backpay/", recovery.BackpayApi.as_view(), name="api-backpay"),
]
