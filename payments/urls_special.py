"""Pages of the special payments: price-subsidy batches (``/payments/subsidies/``) and the instalment plan of a
支出型 case (``/payments/instalments/<application_id>/``)."""

from django.urls import path

from payments.views import special

urlpatterns = [
    path("subsidies/", special.subsidy_list, name="payment-subsidy-list"),
    path("subsidies/<int:pk>/generate/", special.subsidy_generate, name="payment-subsidy-generate"),
    path("instalments/<int:application_id>/", special.instalment_plan, name="payment-instalment-plan"),
    path("instalments/cancel/<int:pk>/", special.instalment_cancel_view, name="payment-instalment-cancel"),
]
