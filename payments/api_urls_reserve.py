"""API of the town reserve funds (临时救助备用金) under ``/api/payments/reserve/``."""

from django.urls import path

from payments.apis import reserve

urlpatterns = [
    path("reserve/funds/", reserve.FundListApi.as_view(), name="api-payment-reserve-funds"),
    path("reserve/funds/<int:pk>/", reserve.FundDetailApi.as_view(), name="api-payment-reserve-fund"),
    path("reserve/funds/<int:pk>/top-ups/", reserve.TopUpRequestApi.as_view(), name="api-payment-reserve-top-up"),
    path(
        "reserve/top-ups/<int:pk>/decide/", reserve.TopUpDecideApi.as_view(), name="api-payment-reserve-top-up-decide"
    ),
    path("reserve/report/", reserve.SettlementReportApi.as_view(), name="api-payment-reserve-report"),
]
