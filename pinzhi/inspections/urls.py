from django.urls import path

from pinzhi.inspections import views

app_name = "inspections"
urlpatterns = [
    path("day/", views.day, name="day"),
    path("supervised/", views.supervised, name="supervised"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/outbox/answer/", views.answer, name="answer"),
    path("<int:pk>/outbox/photo/", views.photo, name="photo"),
    path("<int:pk>/outbox/signature/", views.signature, name="signature"),
    path("<int:pk>/outbox/notes/", views.notes, name="notes"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/confirm/<int:answer_pk>/", views.confirm, name="confirm"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    path("<int:pk>/checklist.pdf", views.checklist_pdf, name="checklist_pdf"),
]
