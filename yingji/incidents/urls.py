from django.urls import path

from yingji.incidents import views
from yingji.messaging.views import moved

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("export.xlsx", views.incident_export, name="export"),
    path("new/", views.incident_create, name="create"),
    path("console/", views.console, name="console"),
    path("console/incidents/", views.console_incidents, name="console_incidents"),
    path("me/", views.responder, name="responder"),
    path("me/manifest.webmanifest", views.responder_manifest, name="responder_manifest"),
    path("me/sw.js", views.service_worker, name="service_worker"),
    path("stats/", views.stats, name="stats"),
    # The webhook pages moved to messaging (robot targets of every topic): the old addresses redirect.
    path("webhooks/", moved("messaging:robots")),
    path("webhooks/new/", moved("messaging:robot_create")),
    path("webhooks/<int:pk>/", moved("messaging:robot_edit")),
    path("report/", views.public_report, name="public_report"),
    path("receipt/<str:reference>/", views.public_receipt, name="receipt"),
    path("dispatches/<int:pk>/<str:step>/", views.dispatch_step, name="dispatch_step"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/activate/", views.incident_activate, name="activate"),
    path("<int:pk>/teams/", views.team_search, name="team_search"),
    path("<int:pk>/teams/add/", views.incident_add_team, name="add_team"),
    path("<int:pk>/note/", views.incident_note, name="note"),
    path("<int:pk>/close/", views.incident_close, name="close"),
    path("<int:pk>/close/sources/", views.close_sources, name="close_sources"),
    path("<int:pk>/merge/", views.incident_merge, name="merge"),
]
