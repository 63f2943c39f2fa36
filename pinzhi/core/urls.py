from django.urls import path

from pinzhi.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", views.signin, name="login"),
    path("signout/", views.signout, name="logout"),
]
