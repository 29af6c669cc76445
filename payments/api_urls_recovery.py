"""API of the payments app: recovery."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
