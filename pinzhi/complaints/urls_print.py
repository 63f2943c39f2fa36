from django.urls import path

from pinzhi.complaints import views_print

app_name = "complaint_print"
urlpatterns = [
    path("<int:pk>/record.pdf", views_print.complaint_record, name="record"),
    path("<int:pk>/handling.pdf", views_print.handling_record, name="handling"),
    path("letter/<int:pk>.pdf", views_print.contact_letter, name="letter"),
]
