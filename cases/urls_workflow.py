"""Pages of the case workflow: inbox, applications, transitions, discovery reports, life events."""

from django.urls import path

from cases import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("applications/", views.application_list, name="application-list"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    # One page per transition; ``code`` is an action code of cases.actions (materials-complete, decide …).
    path("applications/<int:pk>/act/<slug:code>/", views.application_act, name="application-act"),
    path("households/<int:pk>/apply/", views.application_create, name="application-create"),
    path("households/<int:pk>/emergency/", views.emergency_aid, name="emergency-aid"),
    path("discoveries/", views.discovery_list, name="discovery-list"),
    path("discoveries/new/", views.discovery_create, name="discovery-create"),
    path("discoveries/<int:pk>/", views.discovery_detail, name="discovery-detail"),
    path("discoveries/<int:pk>/close/", views.discovery_close, name="discovery-close"),
    # Life events (生命事件): recorded from the household page, per member.
    path("members/<int:pk>/events/new/", views.life_event_create, name="life-event-create"),
    path("events/", views.life_event_list, name="life-event-list"),
    path("events/<int:pk>/", views.life_event_detail, name="life-event-detail"),
]
