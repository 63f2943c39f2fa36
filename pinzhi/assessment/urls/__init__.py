"""The assessment's pages, one module per part (docs/assessment.md)."""

from django.urls import include, path

from pinzhi.assessment.urls import archives, board, consequences, cycle, ledger, quarterly

app_name = "assessment"

urlpatterns = [
    path("", include(ledger.urlpatterns)),
    path("months/", include(cycle.urlpatterns)),
    path("board/", include(board.urlpatterns)),
    path("quarterly/", include(quarterly.urlpatterns)),
    path("consequences/", include(consequences.urlpatterns)),
    path("archives/", include(archives.urlpatterns)),
]
