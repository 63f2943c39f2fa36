from django.urls import path

from pinzhi.core import views, views_exports, views_workflows

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("signin/", views.signin, name="login"),
    path("signout/", views.signout, name="logout"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/set-password/", views.password_set, name="password_set"),
    path("workflows/", views_workflows.workflow_list, name="workflows"),
    path("workflows/<slug:name>/", views_workflows.workflow_diagram, name="workflow"),
    path("exports/<str:token>/", views_exports.export_job_page, name="export_job"),
    path("exports/<str:token>/status/", views_exports.export_job_status, name="export_status"),
    path(
        "exports/<str:token>/download/", views_exports.export_job_download, name="export_download"
    ),
]
