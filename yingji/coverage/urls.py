from django.urls import path

from yingji.coverage import views

app_name = "coverage"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export.xlsx", views.export, name="export"),
    path("siting/", views.siting, name="siting"),
    path("whatif/", views.whatif, name="whatif"),
    path("whatif/queue/", views.whatif_queue, name="whatif_queue"),
]
