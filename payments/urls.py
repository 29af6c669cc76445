"""Pages of the payments app under ``/payments/``, one module per topic."""

from django.urls import include, path

urlpatterns = [
    path("", include("payments.urls_rolls")),
    path("", include("payments.urls_bank")),
    path("", include("payments.urls_recovery")),
    path("", include("payments.urls_reserve")),
    path("", include("payments.urls_special")),
]
