from django.urls import URLPattern, URLResolver, path

from pinzhi.assessment.views import archives as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.archive_index, name="archives"),
    path("mine/", views.my_archive, name="my_archive"),
    path("mine/pdf/", views.my_archive_pdf, name="my_archive_pdf"),
    path("<int:pk>/", views.person_archive, name="archive"),
    path("<int:pk>/pdf/", views.person_archive_pdf, name="archive_pdf"),
]
