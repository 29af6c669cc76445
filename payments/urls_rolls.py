"""Pages of the payment rolls."""

from django.urls import path

from payments.views import rolls

urlpatterns = [
    path("", rolls.roll_list, name="payment-roll-list"),
    path("rolls/<int:pk>/", rolls.roll_detail, name="payment-roll-detail"),
    path("rolls/<int:pk>/check/", rolls.roll_action, {"action": "check"}, name="payment-roll-check"),
    path("rolls/<int:pk>/approve/", rolls.roll_action, {"action": "approve"}, name="payment-roll-approve"),
    path("rolls/<int:pk>/return/", rolls.roll_action, {"action": "return"}, name="payment-roll-return"),
]
