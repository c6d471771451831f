from django.urls import path

from yingji.messaging import views

app_name = "messaging"
urlpatterns = [
    path("inbox/", views.inbox_list, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("inbox/message/<int:message_id>/", views.inbox_message, name="inbox_message"),
    path("inbox/<int:pk>/", views.inbox_open, name="inbox_open"),
    path("inbox/<int:pk>/acknowledge/", views.inbox_acknowledge, name="inbox_acknowledge"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("undelivered/", views.dead_letters, name="dead_letters"),
    path("undelivered/retry/", views.dead_letters_retry, name="dead_letters_retry"),
    path("robots/", views.robot_list, name="robots"),
    path("robots/new/", views.robot_create, name="robot_create"),
    path("robots/<int:pk>/", views.robot_edit, name="robot_edit"),
    path("robots/<int:pk>/test/", views.robot_test, name="robot_test"),
    path("robots/<int:pk>/delete/", views.robot_delete, name="robot_delete"),
    path("contacts/", views.contact_list_index, name="contact_lists"),
    path("contacts/new/", views.contact_list_create, name="contact_list_create"),
    path("contacts/<int:pk>/", views.contact_list_detail, name="contact_list"),
    path("contacts/<int:pk>/add/", views.contact_add, name="contact_add"),
    path("contacts/<int:pk>/delete/", views.contact_list_delete, name="contact_list_delete"),
    path("contacts/<int:pk>/export.xlsx", views.contact_list_export, name="contact_list_export"),
    path("contacts/<int:pk>/template.xlsx", views.contact_list_template, name="contact_list_template"),
    path("contacts/<int:pk>/import/", views.contact_list_import, name="contact_list_import"),
    path("contacts/<int:pk>/contacts/<int:contact_pk>/delete/", views.contact_delete, name="contact_delete"),
]
