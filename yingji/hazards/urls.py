from django.urls import path

from yingji.hazards import views

app_name = "hazards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("riskmap.xlsx", views.riskmap_export, name="riskmap_export"),
]
