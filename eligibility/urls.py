"""Pages of the what-if calculator (试算), under ``/eligibility/``."""

from django.urls import path

from eligibility import views

urlpatterns = [
    path("calculator/", views.calculator, name="eligibility-calculator"),
    path("calculator/member-row/", views.calculator_member_row, name="eligibility-calculator-member-row"),
    path("households/<int:pk>/", views.household_evaluate, name="eligibility-household"),
]
