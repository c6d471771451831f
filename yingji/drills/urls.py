from django.urls import path

from yingji.drills import views

app_name = "drills"
urlpatterns = [
    path("", views.drill_list, name="list"),
    path("new/", views.drill_create, name="create"),
    path("<int:pk>/", views.drill_detail, name="detail"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("follow-ups/<int:pk>/hazard/", views.follow_up_hazard, name="follow_up_hazard"),
    path("compliance/", views.compliance_page, name="compliance"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
]
