from django.urls import URLPattern, URLResolver, path

from pinzhi.assessment.views import consequences as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.consequence_list, name="consequences"),
    path("new/", views.consequence_propose, name="consequence_propose"),
    path("<int:pk>/", views.consequence_detail, name="consequence"),
]
