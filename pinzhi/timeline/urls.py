from django.urls import path

from pinzhi.timeline import views

app_name = "timeline"
urlpatterns = [
    path("", views.events, name="events"),
    path("integrity/", views.integrity, name="integrity"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
