from django.urls import path

from yingji.jurisdictions import views

app_name = "jurisdictions"
urlpatterns = [
    path("", views.jurisdiction_list, name="list"),
    path("export.xlsx", views.jurisdiction_export, name="export"),
    path("template.xlsx", views.jurisdiction_template, name="template"),
    path("import/", views.jurisdiction_import, name="import"),
    path("<str:code>/", views.jurisdiction_detail, name="detail"),
    path("<str:code>/edit/", views.jurisdiction_edit, name="edit"),
    path("<str:code>/new/", views.jurisdiction_create, name="create"),
]
