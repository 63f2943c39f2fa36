app_name = "complaint_import"
urlpatterns: list = []
