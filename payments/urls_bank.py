"""Pages of the payments app: bank files and reconciliation (``payments.views.bank``)."""

from django.urls import path

from payments.views import bank

urlpatterns = [
    path("rolls/<int:roll_id>/export/", bank.roll_export_download, name="payment-roll-export"),
    path("rolls/<int:roll_id>/results/", bank.roll_results, name="payment-roll-results"),
    path("result-rows/<int:row_id>/resolve/", bank.result_row_resolve_view, name="payment-result-row-resolve"),
    path("lines/<int:line_id>/release/", bank.failed_line_release_view, name="payment-line-release"),
    path("lines/<int:line_id>/cancel/", bank.failed_line_cancel_view, name="payment-line-cancel"),
]
