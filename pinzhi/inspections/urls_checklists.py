"""The checklist builder (INS-4), at /inspections/checklists/."""

from django.urls import path

from pinzhi.inspections import views_checklists as views

app_name = "checklists"

urlpatterns = [
    path("", views.template_list, name="list"),
    path("new/", views.template_create, name="create"),
    path("install/", views.template_install, name="install"),
    path("<int:pk>/", views.template_detail, name="template"),
    path("<int:pk>/edit/", views.template_edit, name="edit"),
    path("<int:pk>/draft/", views.draft_create, name="draft"),
    path("<int:pk>/import/", views.template_import, name="import"),
    path("<int:pk>/import/<str:token>/errors/", views.import_errors, name="import_errors"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/export/", views.version_export, name="export"),
    path("versions/<int:pk>/publish/", views.version_publish, name="publish"),
    path("versions/<int:pk>/retire/", views.version_retire, name="retire"),
    path("versions/<int:pk>/discard/", views.version_discard, name="discard"),
    path("versions/<int:pk>/items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/remove/", views.item_remove, name="item_remove"),
    path("items/<int:pk>/move/", views.item_move, name="item_move"),
]
