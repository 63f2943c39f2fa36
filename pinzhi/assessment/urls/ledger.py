"""The points ledger's pages (part A), under /assessment/."""

from django.urls import URLPattern, URLResolver, path

from pinzhi.assessment.views import ledger as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.ledger_mine, name="ledger_mine"),
    path("people/", views.ledger_people, name="ledger_people"),
    path("people/<int:pk>/", views.ledger_person, name="ledger_person"),
    path("people/<int:pk>/offence/", views.offence_record, name="offence_record"),
    path("people/<int:pk>/daily/", views.daily_record, name="daily_record"),
    path("entries/<int:pk>/correct/", views.entry_correct, name="entry_correct"),
    path("unassigned/", views.unassigned, name="unassigned"),
]
