from django.urls import path

from pinzhi.api import views
from pinzhi.api.api import api
from pinzhi.api.idempotency import idempotent
from pinzhi.core.access import public_page

app_name = "api"

# The API's own views authenticate by token (ninja); to the page-access rules they are
# public pages.
# Every write honours an Idempotency-Key header (issue 8 item 5).
_ninja_patterns = api.urls[0]
for _pattern in _ninja_patterns:
    _pattern.callback = idempotent(_pattern.callback, api=api)  # type: ignore[arg-type]
    public_page(_pattern.callback)

urlpatterns = [
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    *_ninja_patterns,
]
