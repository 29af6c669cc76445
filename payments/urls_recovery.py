"""Pages of the payments app: back-pay (补发) and recovery (追回)."""

from django.urls import path

from payments.views import recovery

urlpatterns = [
    path("backpay/", recovery.backpay, name="payment-backpay"),
    path("receivables/", recovery.receivable_list, name="receivable-list"),
    path("receivables/new/", recovery.receivable_create_view, name="receivable-create"),
    path("receivables/detect/", recovery.receivable_detect, name="receivable-detect"),
    path("receivables/<int:pk>/", recovery.receivable_detail, name="receivable-detail"),
    path("receivables/<int:pk>/repay/", recovery.receivable_repay_view, name="receivable-repay"),
    path("receivables/<int:pk>/write-off/", recovery.receivable_write_off_view, name="receivable-write-off"),
]
