"""Site pages: sign-in, sign-out and the per-role dashboard."""

from django.contrib.auth import views as auth_views
from django.urls import path

from assistance import views

urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
]
