"""Pages of the payments app: bank."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
