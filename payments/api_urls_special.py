"""API of the special payments: price-subsidy batches and instalment plans, under ``/api/payments/``."""

from django.urls import path

from payments.apis import special

urlpatterns = [
    path("subsidies/", special.BatchListApi.as_view(), name="api-payment-subsidies"),
    path("subsidies/<int:pk>/generate/", special.BatchGenerateApi.as_view(), name="api-payment-subsidy-generate"),
    path("instalments/<int:application_id>/", special.InstalmentPlanApi.as_view(), name="api-payment-instalment-plan"),
]
