from django.urls import path

from pinzhi.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("complaint/", views.complaint_form, name="complaint"),
    path("complaint/thanks/", views.thanks, name="thanks"),
    path("complaint/<str:token>/", views.complaint_form_at, name="complaint_at"),
    path("track/", views.track, name="track"),
    path("track/status/", views.status, name="status"),
    path("track/rate/", views.rate, name="rate"),
    path("track/escalate/", views.escalate, name="escalate"),
    path("my-complaints/", views.my_complaints, name="my_complaints"),
    path("my-complaints/<int:pk>/", views.my_complaint, name="my_complaint"),
    path("qr-codes/", views.qr_codes, name="qr_codes"),
    path("commitments/", views.commitments, name="commitments"),
]
