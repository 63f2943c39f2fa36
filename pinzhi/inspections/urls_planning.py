from django.urls import path

from pinzhi.inspections import views_planning as views

app_name = "planning"
urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/entries/", views.plan_entry_add, name="plan_entry_add"),
    path("<int:pk>/steps/<str:action>/", views.plan_step, name="plan_step"),
    path("entries/<int:pk>/remove/", views.plan_entry_remove, name="plan_entry_remove"),
    path("schedules/", views.schedule_list, name="schedules"),
    path("schedules/new/", views.schedule_new, name="schedule_new"),
    path("schedules/<int:pk>/", views.schedule_detail, name="schedule_detail"),
    path("schedules/<int:pk>/stop/", views.schedule_stop, name="schedule_stop"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/assign/", views.task_assign, name="task_assign"),
    path("tasks/<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
]
