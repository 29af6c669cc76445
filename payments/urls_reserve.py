"""Pages of the town reserve funds (临时救助备用金) under ``/payments/reserve/``."""

from django.urls import path

from payments.views import reserve

urlpatterns = [
    path("reserve/", reserve.reserve_list, name="payment-reserve-list"),
    path("reserve/allocate/", reserve.reserve_allocate_view, name="payment-reserve-allocate"),
    path("reserve/report/", reserve.reserve_report, name="payment-reserve-report"),
    path("reserve/report.xlsx", reserve.reserve_report_xlsx, name="payment-reserve-report-xlsx"),
    path("reserve/<int:pk>/", reserve.reserve_detail, name="payment-reserve-detail"),
    path("reserve/<int:pk>/top-up/", reserve.reserve_top_up_request_view, name="payment-reserve-top-up"),
    path("reserve/<int:pk>/settle/", reserve.reserve_settle_view, name="payment-reserve-settle"),
    path("reserve/top-ups/<int:pk>/decide/", reserve.reserve_top_up_decide_view, name="payment-reserve-top-up-decide"),
]
