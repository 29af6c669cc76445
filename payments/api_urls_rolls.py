"""API of the payment rolls."""

from django.urls import path

from payments.apis import rolls

urlpatterns = [
    path("rolls/", rolls.RollListApi.as_view(), name="api-payment-rolls"),
    path("rolls/generate/", rolls.RollGenerateApi.as_view(), name="api-payment-roll-generate"),
    path("rolls/<int:pk>/", rolls.RollDetailApi.as_view(), name="api-payment-roll"),
    path("rolls/<int:pk>/lines/", rolls.RollLinesApi.as_view(), name="api-payment-roll-lines"),
    path("rolls/<int:pk>/check/", rolls.RollCheckApi.as_view(), name="api-payment-roll-check"),
    path("rolls/<int:pk>/approve/", rolls.RollApproveApi.as_view(), name="api-payment-roll-approve"),
    path("rolls/<int:pk>/return/", rolls.RollReturnApi.as_view(), name="api-payment-roll-return"),
]
