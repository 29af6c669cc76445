"""URLs under ``/api/`` for applications and their transitions, 急难 aid, the inbox, active-discovery
reports and enrolments (``cases.apis_workflow``); life events (``cases.apis_events``).

A transition is ``POST /api/applications/<id>/<transition>/`` named ``api-application-<transition>``; the
detail's ``actions`` link to them.
"""

from django.urls import path

from cases import apis_events as events
from cases import apis_workflow as api

TRANSITIONS = {
    "materials-complete": api.ApplicationMaterialsCompleteApi,
    "investigation-start": api.ApplicationInvestigationStartApi,
    "visits": api.ApplicationVisitApi,
    "evaluate": api.ApplicationEvaluateApi,
    "deliberation": api.ApplicationDeliberationApi,
    "town-review": api.ApplicationTownReviewApi,
    "notice": api.ApplicationNoticeApi,
    "objections": api.ApplicationObjectionApi,
    "notice-close": api.ApplicationNoticeCloseApi,
    "extend": api.ApplicationExtendApi,
    "decide": api.ApplicationDecideApi,
    "return": api.ApplicationReturnApi,
    "withdraw": api.ApplicationWithdrawApi,
    "refusal-notice": api.ApplicationRefusalNoticeApi,
    "papers-complete": api.ApplicationPapersCompleteApi,
    "bridge-aid": api.ApplicationBridgeAidApi,
}

urlpatterns = [
    path("applications/", api.ApplicationListCreateApi.as_view(), name="api-applications"),
    path("applications/<int:application_id>/", api.ApplicationDetailApi.as_view(), name="api-application"),
    *(
        path(f"applications/<int:application_id>/{segment}/", view.as_view(), name=f"api-application-{segment}")
        for segment, view in TRANSITIONS.items()
    ),
    path(
        "households/<int:household_id>/emergency-aid/",
        api.HouseholdEmergencyAidApi.as_view(),
        name="api-household-emergency-aid",
    ),
    path("inbox/", api.InboxApi.as_view(), name="api-inbox"),
    path("discoveries/", api.DiscoveryListCreateApi.as_view(), name="api-discoveries"),
    path("discoveries/<int:discovery_id>/close/", api.DiscoveryCloseApi.as_view(), name="api-discovery-close"),
    path("enrolments/", api.EnrolmentListApi.as_view(), name="api-enrolments"),
    path(
        "households/<int:household_id>/events/",
        events.HouseholdLifeEventsApi.as_view(),
        name="api-household-life-events",
    ),
    path("life-events/", events.LifeEventListApi.as_view(), name="api-life-events"),
    path("life-events/<int:event_id>/", events.LifeEventDetailApi.as_view(), name="api-life-event"),
]
