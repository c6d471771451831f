from django.urls import path

from yingji.iot import views

app_name = "iot"
urlpatterns = [
    path("", views.device_list, name="devices"),
    path("import/", views.device_import, name="import"),
    path("export.xlsx", views.device_export, name="export"),
    path("alarms/", views.alarm_list, name="alarms"),
    path("devices/<str:code>/", views.device_detail, name="device"),
]
