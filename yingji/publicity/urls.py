from django.urls import path

from yingji.publicity import views

app_name = "publicity"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/photos/", views.add_photos, name="photos"),
]
