"""API of the payments app: bank files and reconciliation (``payments.apis.bank``)."""

from django.urls import path

from payments.apis import bank

urlpatterns = [
    path("rolls/<int:roll_id>/export/", bank.RollExportApi.as_view(), name="api-payment-roll-export"),
    path("rolls/<int:roll_id>/results/", bank.RollResultsApi.as_view(), name="api-payment-roll-results"),
]
