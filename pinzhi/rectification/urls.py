from django.urls import path

from pinzhi.rectification import views

app_name = "rectification"
urlpatterns = [
    path("", views.nonconformity_list, name="list"),
    path("overdue/", views.overdue_board, name="board"),
    path("new/", views.nonconformity_raise, name="raise"),
    path("<int:pk>/", views.nonconformity_detail, name="detail"),
    path("<int:pk>/step/<str:action>/", views.nonconformity_act, name="act"),
    path("<int:pk>/work-order.pdf", views.work_order_pdf, name="work_order_pdf"),
    path("supervision/", views.supervision_list, name="supervision_list"),
    path("supervision/new/", views.supervision_create, name="supervision_create"),
    path("supervision/<int:pk>/", views.supervision_detail, name="supervision_detail"),
    path("supervision/<int:pk>/print.pdf", views.supervision_pdf, name="supervision_pdf"),
    path("supervision/stage/<int:pk>/complete/", views.stage_complete, name="stage_complete"),
    path("capa/", views.capa_list, name="capa_list"),
    path("capa/<int:pk>/", views.capa_detail, name="capa_detail"),
    path("capa/<int:pk>/step/<str:action>/", views.capa_act, name="capa_act"),
]
