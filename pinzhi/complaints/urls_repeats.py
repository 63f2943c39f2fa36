app_name = "repeats"
urlpatterns: list = []
