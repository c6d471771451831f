from django.urls import path

from yingji.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.index, name="index"),
    path("quality/", views.quality, name="quality"),
    path("<str:code>/<int:year>/", views.ranking, name="ranking"),
    path("<str:code>/<int:year>/q<int:quarter>/", views.ranking, name="ranking_quarter"),
    path("<str:code>/<int:year>/export.xlsx", views.export, name="export"),
    path("<str:code>/<int:year>/q<int:quarter>/export.xlsx", views.export, name="export_quarter"),
    path("<str:code>/<int:year>/publish/", views.publish, name="publish"),
    path("<str:code>/<int:year>/q<int:quarter>/publish/", views.publish, name="publish_quarter"),
    path("<str:code>/<int:year>/s/<str:subject>/", views.subject, name="subject"),
    path("<str:code>/<int:year>/q<int:quarter>/s/<str:subject>/", views.subject, name="subject_quarter"),
    path("<str:code>/<int:year>/s/<str:subject>/i/<int:item>/", views.indicator, name="indicator"),
    path("<str:code>/<int:year>/q<int:quarter>/s/<str:subject>/i/<int:item>/", views.indicator,
         name="indicator_quarter"),
    path("<str:code>/<int:year>/s/<str:subject>/i/<int:item>/score/", views.manual_score, name="score"),
    path("<str:code>/<int:year>/q<int:quarter>/s/<str:subject>/i/<int:item>/score/", views.manual_score,
         name="score_quarter"),
]
