from django.urls import path

from yingji.warnings import public, views

app_name = "warnings"
urlpatterns = [
    path("", views.warning_list, name="list"),
    path("new/", views.warning_create, name="create"),
    path("import/", views.cap_import, name="import"),
    path("feeds/", views.feed_list, name="feeds"),
    path("feeds/<int:pk>/", views.feed_edit, name="feed_edit"),
    path("feeds/<int:pk>/poll/", views.feed_poll, name="feed_poll"),
    path("feeds/<int:pk>/delete/", views.feed_delete, name="feed_delete"),
    path("<int:pk>/", views.warning_detail, name="detail"),
    path("<int:pk>/edit/", views.warning_edit, name="edit"),
    path("<int:pk>/progress/", views.warning_progress, name="progress"),
    path("<int:pk>/areas.geojson", views.warning_areas, name="areas"),
    path("<int:pk>/cap.xml", views.warning_cap, name="cap"),
    path("<int:pk>/step/<str:step>/", views.warning_step, name="step"),
    path("<int:pk>/update/", views.warning_update, name="update"),
    path("<int:pk>/cancel/", views.warning_cancel, name="cancel"),
    path("<int:pk>/delete/", views.warning_delete, name="delete"),
    # Public (no login): the page and feeds of warnings in force, CAP messages, icons, the phone page.
    path("public/", public.public_list, name="public"),
    path("public/feed.atom", public.atom_feed, name="atom"),
    path("public/feed.rss", public.rss_feed, name="rss"),
    path("public/cap/<str:identifier>.xml", public.public_cap, name="public_cap"),
    path("icons/<str:hazard>/<str:level>.svg", public.icon, name="icon"),
    path("<int:pk>/phone/", public.phone_view, name="phone"),
    path("<int:pk>/acknowledge/", public.acknowledge, name="acknowledge"),
]
