"""Site pages: sign-in, sign-out, the per-role dashboard and the long-running jobs (后台任务)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from assistance import job_views, views

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("jobs/", job_views.job_list, name="job-list"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/progress/", job_views.job_progress, name="job-progress"),
]
