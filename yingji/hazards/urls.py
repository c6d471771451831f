from django.urls import path

from yingji.hazards import views

app_name = "hazards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("riskmap.xlsx", views.riskmap_export, name="riskmap_export"),
    path("list/", views.hazard_list, name="list"),
    path("stats/", views.statistics, name="stats"),
    path("inspections/", views.inspections, name="inspections"),
    path("patrols/", views.patrols, name="patrols"),
    path("patrols/new/", views.plan_create, name="plan_create"),
    path("patrols/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("points/", views.risk_points, name="points"),
    path("points/new/", views.risk_point_create, name="point_create"),
    path("points/<int:pk>/", views.risk_point_detail, name="point"),
    path("points/<int:pk>/edit/", views.risk_point_edit, name="point_edit"),
    path("inspections/new/", views.inspection_create, name="inspection_create"),
    path("inspectors/new/", views.inspector_create, name="inspector_create"),
    path("inspectors/<int:pk>/edit/", views.inspector_edit, name="inspector_edit"),
    path("<int:pk>/", views.hazard_detail, name="detail"),
    path("<int:pk>/step/<str:name>/", views.hazard_step, name="step"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/thumb/", views.photo, {"size": "thumb"}, name="photo_thumb"),
    path("grid/", views.grid, name="grid"),
    path("grid/patrol/<int:pk>/", views.patrol_walk, name="patrol_walk"),
    path("grid/manifest.webmanifest", views.grid_manifest, name="grid_manifest"),
    path("grid/sw.js", views.grid_service_worker, name="grid_sw"),
    path("report/", views.public_report, name="public_report"),
    path("receipt/<str:reference>/", views.public_receipt, name="receipt"),
]
