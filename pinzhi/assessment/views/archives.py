"""Quality archives (ASM-11): one's own archive, the index of the archives a manager may
open, a person's archive, each printable as PDF. Read-only pages."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment import printing_archives
from pinzhi.assessment.selectors import archives as selectors
from pinzhi.assessment.selectors.access import READ_ROLES
from pinzhi.core.access import page
from pinzhi.core.printing import pdf_response
from pinzhi.core.shell import render_page
from pinzhi.lib.paging import CappedPaginator
from pinzhi.orgs.models import Person
from pinzhi.orgs.roles import STAFF_ROLES

READERS = tuple(READ_ROLES)
# Everyone of the company's own staff has an archive of their own.
OWNERS = tuple(STAFF_ROLES)
PER_PAGE = 25

TITLE_MINE = _("My quality archive")


@page(*READERS)
def archive_index(request) -> HttpResponse:
    """员工/管理人员工作质量档案: the people whose archive the reader may open."""
    year_form = selectors.YearForm(request.GET)
    year = year_form.chosen()
    filters = selectors.archive_people_filtered(request.user, request.GET, year=year)
    page_obj = CappedPaginator(filters.qs, PER_PAGE).get_page(request.GET.get("page"))
    counts = selectors.complaint_counts(page_obj.object_list, year=year)
    rows = [(person, counts.get(person.pk, 0)) for person in page_obj.object_list]
    return render_page(
        request,
        "assessment/archives/index.html",
        {
            "filters": filters,
            "year_form": year_form,
            "year": year,
            "page_obj": page_obj,
            "rows": rows,
        },
        partial="assessment/archives/partials/people_table.html",
    )


def _archive_context(request, person: Person, year: int) -> dict:
    user = request.user
    figures = selectors.archive_months(person, year=year)
    entries = CappedPaginator(selectors.archive_entries(person, year=year), PER_PAGE).get_page(
        request.GET.get("page")
    )
    complaints = CappedPaginator(
        selectors.archive_complaints(person, year=year), PER_PAGE
    ).get_page(request.GET.get("cpage"))
    unit_inspections = selectors.archive_unit_inspections(person, year=year)
    inspections = CappedPaginator(unit_inspections, PER_PAGE).get_page(request.GET.get("ipage"))
    done = selectors.archive_inspections_done(person, year=year)
    show_done = selectors.is_inspector(person) or done.exists()
    done_page = (
        CappedPaginator(done, PER_PAGE).get_page(request.GET.get("dpage")) if show_done else None
    )
    links = selectors.inspection_links(
        user, [*inspections.object_list, *(done_page.object_list if done_page else [])]
    )
    return {
        "person": person,
        "year": year,
        "figures": figures,
        "chart": selectors.trend_chart(figures),
        "summary": selectors.archive_summary(person, year=year, figures=figures),
        "entries": entries,
        "entry_rows": selectors.entry_rows(user, entries.object_list),
        "complaints": complaints,
        "complaint_rows": selectors.complaint_rows(user, complaints.object_list),
        "inspections": inspections,
        "inspection_summary": selectors.inspection_summary(unit_inspections),
        "done": done_page,
        "done_summary": selectors.inspection_summary(done) if show_done else None,
        "inspection_rows": [(i, links.get(i.pk, "")) for i in inspections.object_list],
        "done_rows": [
            (i, links.get(i.pk, "")) for i in (done_page.object_list if done_page else [])
        ],
        "stars": list(selectors.archive_stars(person, year=year)),
        "ratings": list(selectors.archive_ratings(person, year=year)),
        "consequences": list(selectors.archive_consequences(person, year=year)),
        "attendances": list(selectors.archive_attendances(person, year=year)),
        "assignments": list(selectors.archive_assignments(person, year=year)),
        "results": list(selectors.archive_results(person, year=year)),
        "units": selectors.manager_figures(person, year=year),
    }


def _archive_page(request, person: Person, *, mine: bool) -> HttpResponse:
    year_form = selectors.YearForm(request.GET)
    year = year_form.chosen()
    context = _archive_context(request, person, year)
    context.update({"year_form": year_form, "mine": mine})
    status = 400 if year_form.errors else 200
    return render(request, "assessment/archives/person.html", context, status=status)


@page(*OWNERS)
def my_archive(request) -> HttpResponse:
    """One's own archive: every entry with its reason and clause (ASM-11)."""
    return _archive_page(request, request.user, mine=True)


def _person_or_404(request, pk: int) -> Person:
    person = selectors.archive_person(request.user, pk)
    if person is None:
        raise Http404
    return person


@page(*READERS)
def person_archive(request, pk: int) -> HttpResponse:
    person = _person_or_404(request, pk)
    return _archive_page(request, person, mine=person.pk == request.user.pk)


def _pdf(request, person: Person) -> HttpResponse:
    year_form = selectors.YearForm(request.GET)
    if year_form.errors:
        return HttpResponse(
            " ".join(str(e) for e in year_form.errors["year"]),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    year = year_form.chosen()
    content = printing_archives.archive_pdf(request.user, person, year=year)
    return pdf_response(
        content,
        title=printing_archives.TITLE,
        code=f"{person.get_full_name()}-{year}",
        ascii_name=f"quality-archive-{person.employee_no or person.pk}-{year}",
    )


@page(*OWNERS)
def my_archive_pdf(request) -> HttpResponse:
    return _pdf(request, request.user)


@page(*READERS)
def person_archive_pdf(request, pk: int) -> HttpResponse:
    return _pdf(request, _person_or_404(request, pk))
