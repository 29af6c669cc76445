"""URLs under ``/api/``: the registry endpoints, the caller and catalogues, and the OpenAPI schema.

The schema (``/api/schema/``), Swagger UI (``/api/docs/``) and ReDoc (``/api/redoc/``) need a logged-in
session or a token like every other endpoint; their scripts are served from ``drf_spectacular_sidecar``'s
static files, never from a CDN (ReDoc's web fonts are left out).
Tokens: ``python manage.py drf_create_token <username>``.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated

from assistance import apis as core
from cases import apis as cases
from cases.apis_recompute import StandardRecomputeApi
from eligibility import apis as eligibility

_docs_permissions = [IsAuthenticated]

urlpatterns = [
    path("", include("cases.api_urls_workflow")),
    path("payments/", include("payments.api_urls")),
    path("me/", core.MeApi.as_view(), name="api-me"),
    path("regions/", core.RegionListApi.as_view(), name="api-regions"),
    path("programs/", core.ProgramListApi.as_view(), name="api-programs"),
    path("households/", cases.HouseholdListCreateApi.as_view(), name="api-households"),
    path("households/<int:household_id>/", cases.HouseholdDetailApi.as_view(), name="api-household"),
    path(
        "households/<int:household_id>/change-head/",
        cases.HouseholdChangeHeadApi.as_view(),
        name="api-household-change-head",
    ),
    path("households/<int:household_id>/history/", cases.HouseholdHistoryApi.as_view(), name="api-household-history"),
    path("households/<int:household_id>/members/", cases.HouseholdMembersApi.as_view(), name="api-household-members"),
    path("households/<int:household_id>/assets/", cases.HouseholdAssetsApi.as_view(), name="api-household-assets"),
    path(
        "households/<int:household_id>/expenses/", cases.HouseholdExpensesApi.as_view(), name="api-household-expenses"
    ),
    path(
        "households/<int:household_id>/supporters/",
        cases.HouseholdSupportersApi.as_view(),
        name="api-household-supporters",
    ),
    path("members/<int:member_id>/", cases.MemberDetailApi.as_view(), name="api-member"),
    path("members/<int:member_id>/remove/", cases.MemberRemoveApi.as_view(), name="api-member-remove"),
    path(
        "members/<int:member_id>/reveal-id-number/",
        cases.MemberRevealIdNumberApi.as_view(),
        name="api-member-reveal-id-number",
    ),
    path("members/<int:member_id>/incomes/", cases.MemberIncomesApi.as_view(), name="api-member-incomes"),
    path("incomes/<int:pk>/", cases.IncomeDetailApi.as_view(), name="api-income"),
    path("assets/<int:pk>/", cases.AssetDetailApi.as_view(), name="api-asset"),
    path("expenses/<int:pk>/", cases.ExpenseDetailApi.as_view(), name="api-expense"),
    path("supporters/<int:pk>/", cases.SupporterDetailApi.as_view(), name="api-supporter"),
    path("standard-recompute/", StandardRecomputeApi.as_view(), name="api-standard-recompute"),
    path("eligibility/evaluate/", eligibility.WhatIfApi.as_view(), name="api-eligibility-evaluate"),
    path(
        "households/<int:household_id>/evaluate/",
        eligibility.HouseholdEvaluateApi.as_view(),
        name="api-household-evaluate",
    ),
    path("schema/", SpectacularAPIView.as_view(permission_classes=_docs_permissions), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=_docs_permissions),
        name="api-docs",
    ),
    path(
        "redoc/",
        core.OfflineRedocView.as_view(url_name="api-schema", permission_classes=_docs_permissions),
        name="api-redoc",
    ),
]
