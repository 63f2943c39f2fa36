from django.urls import path

from pinzhi.complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("mine/", views.my_queue, name="my_queue"),
    path("department/", views.department_queue, name="department_queue"),
    path("export/", views.complaint_export, name="export"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.complaint_act, name="act"),
    path(
        "<int:pk>/escalations/<int:escalation_pk>/answer/",
        views.escalation_answer,
        name="escalation_answer",
    ),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
]
