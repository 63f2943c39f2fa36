from django.urls import path

from pinzhi.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.rule_list, name="list"),
    path("rules/<int:pk>/", views.rule_detail, name="detail"),
    path("rules/<int:pk>/revise/", views.rule_revise, name="revise"),
]
