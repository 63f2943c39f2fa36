from django.urls import path

from pinzhi.complaints import views_import

app_name = "complaint_import"
urlpatterns = [
    path("", views_import.upload, name="upload"),
    path("<str:token>/", views_import.mapping, name="mapping"),
    path("<str:token>/check/", views_import.check, name="check"),
    path("<str:token>/start/", views_import.start, name="start"),
    path("<str:token>/progress/", views_import.progress, name="progress"),
    path("<str:token>/progress/status/", views_import.progress_status, name="status"),
    path("<str:token>/errors.xlsx", views_import.errors_report, name="errors"),
]
