"""The printed quality archive (ASM-11): a person's year as an A4 PDF, through the shared
printing helpers (`core/printing.py`, Noto CJK)."""

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from pinzhi.assessment.selectors import archives as selectors
from pinzhi.core.printing import page_counter_css, pdf_from_html
from pinzhi.lib.clock import now
from pinzhi.orgs.models import Person

TITLE = _("Work quality archive")


def archive_html(user: Person, person: Person, *, year: int) -> str:
    """The archive of `person`'s year as `user` may read it (the caller checked that), with
    at most `PRINT_ROWS` rows of each list (the page lists them all)."""
    rows = selectors.PRINT_ROWS
    figures = selectors.archive_months(person, year=year)
    entries = list(selectors.archive_entries(person, year=year)[: rows + 1])
    complaints = list(selectors.archive_complaints(person, year=year)[: rows + 1])
    unit_inspections = selectors.archive_unit_inspections(person, year=year)
    done = selectors.archive_inspections_done(person, year=year)
    show_done = selectors.is_inspector(person) or done.exists()
    return render_to_string(
        "assessment/archives/print.html",
        {
            "title": TITLE,
            "company": person.company,
            "person": person,
            "year": year,
            "figures": figures,
            "summary": selectors.archive_summary(person, year=year, figures=figures),
            "entry_rows": selectors.entry_rows(user, entries[:rows]),
            "entries_cut": len(entries) > rows,
            "complaint_rows": selectors.complaint_rows(user, complaints[:rows]),
            "complaints_cut": len(complaints) > rows,
            "inspection_summary": selectors.inspection_summary(unit_inspections),
            "done_summary": selectors.inspection_summary(done) if show_done else None,
            "stars": list(selectors.archive_stars(person, year=year)),
            "ratings": list(selectors.archive_ratings(person, year=year)),
            "consequences": list(selectors.archive_consequences(person, year=year)),
            "attendances": list(selectors.archive_attendances(person, year=year)),
            "assignments": list(selectors.archive_assignments(person, year=year)),
            "results": list(selectors.archive_results(person, year=year)),
            "units": selectors.manager_figures(person, year=year),
            "printed_at": now(),
            "page_counter": page_counter_css(),
            "rows": rows,
        },
    )


def archive_pdf(user: Person, person: Person, *, year: int) -> bytes:
    return pdf_from_html(archive_html(user, person, year=year))
