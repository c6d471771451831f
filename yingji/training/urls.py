from django.urls import path

from yingji.training import views

app_name = "training"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("quizzes/", views.quiz_list, name="quizzes"),
    path("questions/import/", views.question_import, name="question_import"),
    path("questions/template.xlsx", views.question_template, name="question_template"),
    # Residents: no login, rate-limited.
    path("learn/", views.learn, name="learn"),
    path("learn/<int:pk>/", views.learn_start, name="learn_start"),
    path("learn/attempt/<str:token>/", views.learn_attempt, name="attempt"),
]
