from django.urls import path

from yingji.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/card/", views.card_edit, name="card"),
    path("<int:pk>/step/<str:name>/", views.plan_step, name="step"),
    path("checklist/<int:pk>/tick/", views.checklist_tick, name="tick"),
    path("<int:pk>/attachments/", views.attachment_add, name="attach"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment"),
    path("attachments/<int:pk>/remove/", views.attachment_remove, name="attachment_remove"),
]
