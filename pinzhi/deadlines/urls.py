from django.urls import path

from pinzhi.deadlines import views

app_name = "deadlines"
urlpatterns = [
    path("", views.overdue_list, name="list"),
    path("calendars/", views.calendar_list, name="calendars"),
    path("calendars/new/", views.calendar_create, name="calendar_create"),
    path("calendars/<int:pk>/", views.calendar_detail, name="calendar"),
    path("calendars/<int:pk>/hours/", views.calendar_hours, name="calendar_hours"),
    path("calendars/<int:pk>/import/", views.calendar_import, name="calendar_import"),
    path(
        "calendars/<int:pk>/import/<str:token>/errors.xlsx",
        views.calendar_import_errors,
        name="calendar_import_errors",
    ),
    path("calendars/<int:pk>/days/", views.calendar_day_add, name="calendar_day_add"),
    path(
        "calendars/<int:pk>/days/<int:day>/remove/",
        views.calendar_day_remove,
        name="calendar_day_remove",
    ),
    path("calendars/<int:pk>/rules/", views.calendar_rule, name="calendar_rule"),
]
