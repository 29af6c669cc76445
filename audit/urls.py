from django.urls import path

from audit import views

urlpatterns = [
    path("", views.event_list, name="audit-event-list"),
    path("<int:pk>/", views.event_detail, name="audit-event-detail"),
    path("verify/", views.chain_verify, name="audit-verify"),
]
