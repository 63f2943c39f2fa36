from django.urls import URLPattern, URLResolver, path

from pinzhi.assessment.views import cycle as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.month_list, name="months"),
    path("compute/", views.month_compute_new, name="month_compute_new"),
    path("appeals/", views.my_appeals, name="my_appeals"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal"),
    path("entries/<int:pk>/appeal/", views.appeal_create, name="appeal_create"),
    path("<str:month>/", views.month_detail, name="month"),
    path("<str:month>/compute/", views.month_compute, name="month_compute"),
    path("<str:month>/review/", views.month_review, name="month_review"),
    path("<str:month>/payroll.xlsx", views.payroll_download, name="payroll"),
    path("<str:month>/<str:action>/", views.month_step, name="month_step"),
]
