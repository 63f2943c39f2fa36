from django.urls import path

from pinzhi.api import views
from pinzhi.api.api import api
from pinzhi.core.access import public_page

app_name = "api"

# The API's own views authenticate by token (ninja); to the page-access rules they are
# public pages.
_ninja_patterns = api.urls[0]
for _pattern in _ninja_patterns:
    public_page(_pattern.callback)  # type: ignore[arg-type]  # every pattern has a view

urlpatterns = [
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    *_ninja_patterns,
]
