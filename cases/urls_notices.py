"""Printable notices (A4, print-ready HTML): one page per notice, each print an audited read."""

from django.urls import path

from cases.views import notices

urlpatterns = [
    path("applications/<int:pk>/notices/acceptance/", notices.notice_acceptance, name="notice-acceptance"),
    path("applications/<int:pk>/notices/materials/", notices.notice_materials, name="notice-materials"),
    path("applications/<int:pk>/notices/visit/", notices.notice_visit_form, name="notice-visit-form"),
    path("applications/<int:pk>/notices/decision/", notices.notice_decision, name="notice-decision"),
    path("villages/<int:village_pk>/notices/public-list/", notices.notice_public_list, name="notice-public-list"),
]
