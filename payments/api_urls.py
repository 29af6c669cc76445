"""API of the payments app under ``/api/payments/``, one module per topic."""

from django.urls import include, path

urlpatterns = [
    path("", include("payments.api_urls_rolls")),
    path("", include("payments.api_urls_bank")),
    path("", include("payments.api_urls_recovery")),
    path("", include("payments.api_urls_reserve")),
    path("", include("payments.api_urls_special")),
]
