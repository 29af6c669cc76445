"""Pages of the household registry."""

from django.urls import include, path

from cases import views

urlpatterns = [
    path("households/", views.household_list, name="household-list"),
    path("households/new/", views.household_create, name="household-create"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household-edit"),
    path("households/<int:pk>/change-head/", views.household_change_head, name="household-change-head"),
    path("households/<int:pk>/members/new/", views.member_add, name="member-add"),
    path("members/<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("members/<int:pk>/remove/", views.member_remove, name="member-remove"),
    path("members/<int:pk>/reveal-id/", views.member_reveal_id, name="member-reveal-id"),
    path("id-numbers/check/", views.id_number_check, name="id-number-check"),
    path("regions/villages/", views.region_village_options, name="region-village-options"),
    path("", include("cases.urls_workflow")),
    path("", include("cases.urls_notices")),
    path("", include("cases.urls_recompute")),
]

# Incomes, property, rigid expenses and legal supporters share one set of views.
for kind, plural in (("income", "incomes"), ("asset", "assets"), ("expense", "expenses"), ("supporter", "supporters")):
    urlpatterns += [
        path(f"households/<int:pk>/{plural}/new/", views.record_add, {"kind": kind}, name=f"{kind}-add"),
        path(f"{plural}/<int:pk>/edit/", views.record_edit, {"kind": kind}, name=f"{kind}-edit"),
        path(f"{plural}/<int:pk>/delete/", views.record_delete, {"kind": kind}, name=f"{kind}-delete"),
    ]
