"""The filters of the complaint lists, the archive and the Excel export (CMP-6, issue 7
item 4), applied by `search.complaints_filtered` to what the person may see. The URL
parameters are those of the earlier filter form, so bookmarks keep working."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db import NotSupportedError, connections
from django.db.models import (
    BooleanField,
    Expression,
    F,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pinzhi.complaints.importer import batch_complaints, batch_name
from pinzhi.complaints.models import (
    Category,
    Channel,
    Complaint,
    Severity,
    Status,
    severity_rank,
)
from pinzhi.complaints.text import query_terms
from pinzhi.lib.filtering import CheckFilter, DayFilter, FilterSet
from pinzhi.lib.queries import AmongIds
from pinzhi.lib.widgets import QuickSelect
from pinzhi.orgs.models import Unit

SORTS = {
    "newest": ("-received_at", "-pk"),
    "oldest": ("received_at", "pk"),
    "severity": ("severity_rank", "-received_at", "-pk"),
    "status": ("status", "-received_at", "-pk"),
    "updated": ("-updated_at", "-pk"),
}
DEFAULT_SORT = "newest"
SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("severity", _("Most severe first")),
    ("status", _("By status")),
    ("updated", _("Recently changed")),
]


def _unit_label(name: str, depth: int) -> str:
    return "\u2003" * max(depth, 0) + name


class UnitChoiceField(forms.ModelChoiceField):
    widget = QuickSelect

    def label_from_instance(self, obj: Unit) -> str:
        return _unit_label(obj.name, obj.depth)


def unit_options(units: QuerySet[Unit]) -> list[tuple[int, str]]:
    """The options of a unit filter, indented by depth, in tree order: one query of three
    columns for both unit filters of the bar (issue 9 item 3), the labels those of
    `UnitChoiceField`."""
    rows = units.order_by("path").values_list("pk", "name", "path")
    return [(pk, _unit_label(name, path.count("/") - 2)) for pk, name, path in rows]


class UnitFilter(django_filters.ModelChoiceFilter):
    """A unit and every unit below it (by materialised path)."""

    field_class = UnitChoiceField

    def filter(self, qs, value):
        if not value:
            return qs
        # Issue 9 item 3: the unit's subtree as ids read once, served by the complaint's
        # index on the unit, instead of a join of the units on every row.
        below = Unit.objects.filter(path__startswith=value.path).order_by().values("pk")
        return qs.filter(AmongIds(f"{self.field_name}_id", below))


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class _HasGrams(Expression):
    """PostgreSQL: the complaint's stored words hold every bigram of a term — the GIN index
    of migration 0006_search answers it (issue 9 item 3)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, grams: list[str]) -> None:
        super().__init__()
        self.grams = grams
        self.column = F("search_text")

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError("The search index exists on PostgreSQL only.")

    def as_postgresql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.column)
        quoted = ("'" + g.replace("\\", "\\\\").replace("'", "''") + "'" for g in self.grams)
        return f"pinzhi_search_grams({column}) @@ %s::tsquery", (*params, " & ".join(quoted))


def _grams(term: str) -> list[str]:
    """The bigrams every document containing `term` holds in one of its words; none for a
    one-character term or one with a space (the LIKE alone decides those)."""
    if len(term) < 2 or any(c.isspace() for c in term):
        return []
    return sorted({term[i : i + 2] for i in range(len(term) - 1)})


def complaint_search(queryset: QuerySet[Complaint], query: str) -> QuerySet[Complaint]:
    """CMP-6: every term of the query (jieba words, traditional folded to simplified, so
    電梯 finds 电梯) must be among the complaint's stored words; or the query is the
    tracking code. Issue 9 item 3: on PostgreSQL the bigram index finds the candidates and
    the same substring match keeps exactly the complaints it kept before; tracking codes are
    stored in capitals and found through their unique index."""
    query = (query or "").strip()
    if not query:
        return queryset
    indexed = connections[queryset.db].vendor == "postgresql"
    words = Q()
    for term in query_terms(query):
        words &= Q(search_text__icontains=term)
        grams = _grams(term) if indexed else []
        if grams:
            # A necessary condition the GIN index answers; the cheap LIKE, tested first on
            # each row, keeps the results exact.
            words &= Q(_HasGrams(grams))
    code = Q(tracking_code=query.upper()) if query.isascii() else Q(pk__in=[])
    return queryset.filter(words | code)


def complaint_sort(queryset: QuerySet[Complaint], sort: str | None) -> QuerySet[Complaint]:
    sort = sort if sort in SORTS else DEFAULT_SORT
    if sort == "severity":
        # The expression of the index complaint_severity_sort, so that it serves the order.
        queryset = queryset.annotate(severity_rank=severity_rank())
    return queryset.order_by(*SORTS[sort])


class ComplaintFilter(FilterSet):
    """Search, status, channel, category, severity, location and department (with the units
    below them), received between two days, overdue or repeat only, and the order. The
    queryset must carry `is_overdue` (`search.with_overdue`)."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"placeholder": _("Words or a tracking code")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=Status.choices, empty_label=_("Any status"), widget=QuickSelect
    )
    channel = django_filters.ChoiceFilter(
        label=_("channel"),
        choices=Channel.choices,
        empty_label=_("Any channel"),
        widget=QuickSelect,
    )
    category = django_filters.ChoiceFilter(
        label=_("category"),
        choices=Category.choices,
        empty_label=_("Any category"),
        widget=QuickSelect,
    )
    severity = django_filters.ChoiceFilter(
        label=_("severity"),
        choices=Severity.choices,
        empty_label=_("Any severity"),
        widget=QuickSelect,
    )
    location = UnitFilter(
        label=_("estate / site"), queryset=Unit.objects.none(), empty_label=_("Any location")
    )
    department = UnitFilter(
        label=_("department"), queryset=Unit.objects.none(), empty_label=_("Any department")
    )
    received_from = DayFilter(
        label=_("received from"), field_name="received_at", method="filter_received_from"
    )
    received_to = DayFilter(
        label=_("received until"), field_name="received_at", method="filter_received_to"
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=SORT_CHOICES, empty_label=None, method="keep", widget=QuickSelect
    )
    overdue = CheckFilter(label=_("Overdue only"), field_name="is_overdue")
    repeat = CheckFilter(
        label=_("Repeats only"), field_name="repeat_of", lookup_expr="isnull", exclude=True
    )
    # The records one import created (issue 8 item 6), linked from its finished page; the
    # list names the import above the table.
    batch = django_filters.CharFilter(
        label=_("Import"),
        method="filter_batch",
        widget=forms.HiddenInput(attrs={"data-filter-counts": ""}),
    )

    def __init__(self, data=None, queryset=None, *, units: QuerySet[Unit], **kwargs):
        super().__init__(data, queryset, **kwargs)
        ordered = units.order_by("path")
        self.units = ordered
        self.filters["location"].queryset = ordered
        self.filters["department"].queryset = ordered

    @property
    def form(self):
        """The filter bar. Its two unit selects share one read of the units' options
        (issue 9 item 3); a chosen unit is still checked against the person's units."""
        if not hasattr(self, "_form"):
            form = super().form
            options = unit_options(self.units)
            for name in ("location", "department"):
                field = form.fields[name]
                blank = [] if field.empty_label is None else [("", field.empty_label)]
                field.widget.choices = [*blank, *options]
        return self._form

    def filter_q(self, queryset, name, value):
        return complaint_search(queryset, value)

    def filter_received_from(self, queryset, name, value):
        return queryset.filter(received_at__gte=_day_start(value))

    def filter_received_to(self, queryset, name, value):
        return queryset.filter(received_at__lt=_day_start(value) + timedelta(days=1))

    def filter_batch(self, queryset, name, value):
        return batch_complaints(queryset, value)

    @property
    def batch_name(self) -> str:
        """The file name of the import the list is narrowed to, or ""."""
        self.form.is_valid()
        token = self.form.cleaned_data.get("batch")
        return (batch_name(token) or token) if token else ""

    def keep(self, queryset, name, value):
        return queryset  # the order is applied last, to every list (filter_queryset)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return complaint_sort(queryset, self.form.cleaned_data.get("sort"))
