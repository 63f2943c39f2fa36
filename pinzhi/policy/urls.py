from django.urls import path

from pinzhi.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.rule_list, name="list"),
    path("rules/<int:pk>/", views.rule_detail, name="detail"),
    path("rules/<int:pk>/propose/", views.rule_propose, name="propose"),
    path("amendments/", views.amendment_list, name="amendments"),
    path("amendments/<int:pk>/review/", views.amendment_review, name="amendment_review"),
    path("amendments/<int:pk>/approve/", views.amendment_approve, name="amendment_approve"),
    path("amendments/<int:pk>/reject/", views.amendment_reject, name="amendment_reject"),
    path("amendments/<int:pk>/withdraw/", views.amendment_withdraw, name="amendment_withdraw"),
]
