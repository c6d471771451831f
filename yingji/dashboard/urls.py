from django.urls import path

from yingji.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("wall/", views.wall, name="wall"),
]
