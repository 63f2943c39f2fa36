from django.urls import path

from pinzhi.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/posts/new/", views.post_create, name="post_create"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/sign-in-code/", views.person_code, name="person_code"),
    path("people/<int:pk>/roles/add/", views.role_add, name="role_add"),
    path("people/<int:pk>/roles/<str:role>/remove/", views.role_remove, name="role_remove"),
    path("companies/", views.companies, name="companies"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company_edit"),
    path("companies/<int:pk>/service/", views.contractor_scope, name="contractor_scope"),
    path("transfer/", views.transfer, name="transfer"),
    path("export.xlsx", views.export, name="export"),
    path("template.xlsx", views.import_template, name="import_template"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/preview/", views.import_preview, name="import_preview"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/cancel/", views.import_cancel, name="import_cancel"),
    path("import/<str:token>/errors.xlsx", views.import_errors, name="import_errors"),
]
