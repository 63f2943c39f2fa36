from django.urls import path

from pinzhi.standards import views

app_name = "standards"
urlpatterns = [
    path("", views.standard_list, name="list"),
    path("new/", views.standard_create, name="create"),
    path("install/", views.catalogue_install, name="install"),
    path("items/new/", views.item_create, name="item_create"),
    path("<int:pk>/", views.standard_detail, name="detail"),
    path("<int:pk>/revise/", views.standard_revise, name="revise"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:pk>/<str:action>/", views.version_step, name="step"),
    path("goals/", views.goal_list, name="goals"),
    path("goals/set/", views.goal_set, name="goal_set"),
    path("slas/", views.sla_list, name="slas"),
    path("slas/new/", views.sla_create, name="sla_create"),
    path("slas/<int:pk>/", views.sla_edit, name="sla_edit"),
    path("commitments/", views.commitment_list, name="commitments"),
    path("commitments/new/", views.commitment_create, name="commitment_create"),
    path("commitments/<int:pk>/", views.commitment_edit, name="commitment_edit"),
    path("commitments/<int:pk>/publish/", views.commitment_publish, name="commitment_publish"),
    path("commitments/<int:pk>/withdraw/", views.commitment_withdraw, name="commitment_withdraw"),
]
