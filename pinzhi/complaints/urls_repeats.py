from django.urls import path

from pinzhi.complaints import views_repeats

app_name = "repeats"
urlpatterns = [
    path("", views_repeats.repeat_analysis, name="index"),
    path("regroup/", views_repeats.regroup, name="regroup"),
    path("<int:pk>/analysis/", views_repeats.group_analyse, name="analyse"),
]
