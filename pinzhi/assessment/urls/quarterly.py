from django.urls import URLPattern, URLResolver, path

from pinzhi.assessment.views import quarterly as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.plan_list, name="quarterly_plans"),
    path("new/", views.plan_create, name="quarterly_plan_create"),
    path("year/", views.year_end, name="quarterly_year"),
    path("<int:pk>/", views.plan_detail, name="quarterly_plan"),
    path("<int:pk>/edit/", views.plan_edit, name="quarterly_plan_edit"),
    path("<int:pk>/<str:action>/", views.plan_step, name="quarterly_step"),
    path("results/<int:pk>/", views.unit_feedback, name="quarterly_feedback"),
    path("results/<int:pk>/suggestions/", views.suggestions_edit, name="quarterly_suggestions"),
]
