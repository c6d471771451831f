from django.urls import path

from yingji.training import views

app_name = "training"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("coverage-rules/<int:pk>/edit/", views.coverage_rule_edit, name="coverage_rule_edit"),
    path("quizzes/", views.quiz_list, name="quizzes"),
    path("questions/import/", views.question_import, name="question_import"),
    path("questions/template.xlsx", views.question_template, name="question_template"),
    # Residents: no login, rate-limited.
    path("learn/", views.learn, name="learn"),
    path("learn/<int:pk>/", views.learn_start, name="learn_start"),
    path("learn/attempt/<str:token>/", views.learn_attempt, name="attempt"),
]
