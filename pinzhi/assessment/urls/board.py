from django.urls import URLPattern, URLResolver, path

from pinzhi.assessment.views import board as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.board_index, name="board"),
    path("stars/", views.stars, name="stars"),
    path("stars/<int:unit>/<str:month>/", views.star_name, name="star_name"),
    path("stars/withdraw/<int:pk>/", views.star_withdraw, name="star_withdraw"),
    path("<str:month>/", views.board_month, name="board_month"),
]
