app_name = "notify"
urlpatterns: list = []
