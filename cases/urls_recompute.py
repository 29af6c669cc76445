"""The page that starts a 提标 recomputation (its progress is on the job's page, ``/jobs/<id>/``)."""

from django.urls import path

from cases.views.recompute import standard_recompute

urlpatterns = [
    path("jobs/recompute/", standard_recompute, name="standard-recompute"),
]
