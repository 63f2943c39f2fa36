"""Printed forms, shared by every app that prints one: A4 PDF from HTML (WeasyPrint), the
page counter in the words of the interface language, Chinese numerals for 第一联 and 一式两份,
and the inline PDF response. The layout every form starts from is `print_base.html`.

An app renders its form to HTML with a template extending `print_base.html`, passing
`page_counter_css()` as `page_counter`, then turns it into PDF with `pdf_from_html`.
"""

from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# "{page}" and "{pages}" become the page counters of the printout.
PAGE_OF = _("Page {page} of {pages}")

_ZH_DIGITS = "零一二三四五六七八九十"


def chinese_numeral(n: int, *, count: bool = False) -> str:
    """1 → 一, 2 → 二 (两 when counting), 10 → 十; anything above ten stays in digits."""
    if count and n == 2:
        return "两"
    return _ZH_DIGITS[n] if 0 < n <= 10 else str(n)


def number_word(n: int, *, count: bool = False) -> str:
    """Chinese printouts say 第一联 and 一式两份; other languages keep digits."""
    return chinese_numeral(n, count=count) if (get_language() or "").startswith("zh") else str(n)


def page_counter_css() -> str:
    """The CSS `content` value of the page footer, from the translated "Page {page} of
    {pages}" (the order of words differs between languages)."""
    parts: list[str] = []
    rest = str(PAGE_OF)
    while rest:
        positions = [(rest.find(t), t) for t in ("{page}", "{pages}") if t in rest]
        if not positions:
            parts.append(_css_string(rest))
            break
        index, token = min(positions)
        if index:
            parts.append(_css_string(rest[:index]))
        parts.append("counter(page)" if token == "{page}" else "counter(pages)")
        rest = rest[index + len(token) :]
    return " ".join(parts)


def _css_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pdf_from_html(html: str) -> bytes:
    """A4 PDF of a printed form; fonts come from the system (Noto CJK)."""
    from weasyprint import HTML  # imported late: loading WeasyPrint takes a while

    return HTML(string=html, base_url=None).write_pdf()


def pdf_response(content: bytes, *, title: object, code: str, ascii_name: str) -> HttpResponse:
    """Inline PDF with a Chinese file name (RFC 5987 `filename*`) and an ASCII fallback."""
    filename = f"{title}-{code}.pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"inline; filename=\"{ascii_name}-{code}.pdf\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    # Personal data may be on it: no shared caches.
    response["Cache-Control"] = "private, no-store"
    return response
