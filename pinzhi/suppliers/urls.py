from django.urls import path

from pinzhi.suppliers import views

app_name = "suppliers"

urlpatterns = [
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/months/<str:month>/", views.month_detail, name="month"),
    path(
        "contracts/<int:pk>/months/<str:month>/compute/", views.month_compute, name="month_compute"
    ),
    path("evaluations/", views.evaluation_list, name="evaluations"),
    path("evaluations/<int:pk>/<str:action>/", views.evaluation_step, name="evaluation_step"),
    path("deductions/<int:pk>/correct/", views.deduction_correct, name="deduction_correct"),
]
