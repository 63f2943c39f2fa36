app_name = "complaint_print"
urlpatterns: list = []
