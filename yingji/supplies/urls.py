from django.urls import path

from yingji.supplies import views

app_name = "supplies"
urlpatterns = [
    path("", views.search, name="search"),
    path("warehouses/", views.warehouse_list, name="warehouses"),
    path("warehouses/<str:code>/", views.warehouse_detail, name="warehouse"),
    path("warehouses/<str:code>/panel/", views.warehouse_panel, name="panel"),
    path("warehouses/<str:code>/receive/", views.warehouse_receive, name="receive"),
    path("warehouses/<str:code>/issue/", views.warehouse_issue, name="issue"),
    path("warehouses/<str:code>/count/", views.warehouse_count, name="count"),
    path("materials/", views.material_list, name="materials"),
    path("allocations/", views.allocation_list, name="allocations"),
    path("allocations/new/", views.allocation_create, name="allocation_new"),
    path("allocations/sources/", views.allocation_sources, name="allocation_sources"),
    path("allocations/<str:number>/", views.allocation_detail, name="allocation"),
    path("allocations/<str:number>/<str:action>/", views.allocation_step, name="allocation_step"),
    path("operations/", views.operations, name="operations"),
    path("lots/<int:lot_id>/<str:action>/", views.lot_action, name="lot_action"),
    path("export/<str:kind>.xlsx", views.table_export, name="export"),
    path("template/<str:kind>.xlsx", views.table_template, name="template"),
    path("import/<str:kind>/", views.table_import, name="import"),
]
