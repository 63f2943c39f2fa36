"""Printed forms, shared by every app that prints one: A4 PDF from HTML (WeasyPrint), the
page counter in the words of the interface language, Chinese numerals for 第一联 and 一式两份,
and the inline PDF response. The layout every form starts from is `print_base.html`.

An app renders its form to HTML with a template extending `print_base.html`, passing
`page_counter_css()` as `page_counter`, then turns it into PDF with `pdf_from_html`.
"""

import ctypes
import ctypes.util
from functools import cache
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# "{page}" and "{pages}" become the page counters of the printout.
PAGE_OF = _("Page {page} of {pages}")

_ZH_DIGITS = "零一二三四五六七八九十"

# The Debian/Ubuntu package of the fonts the forms name (print_base.html): Noto CJK.
CJK_FONT_PACKAGE = "fonts-noto-cjk"
CJK_FONT_INSTALL = f"apt-get install -y {CJK_FONT_PACKAGE}"
NO_CJK_FONT = _(
    "No font with Chinese characters is installed: every Chinese character in a printed "
    "form (PDF) would be an empty box."
)
NO_CJK_FONT_HINT = _("Install one, e.g. %(command)s, then restart Pinzhi.")


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


class _FcFontSet(ctypes.Structure):
    _fields_ = [
        ("nfont", ctypes.c_int),
        ("sfont", ctypes.c_int),
        ("fonts", ctypes.POINTER(ctypes.c_void_p)),
    ]


@cache
def _fontconfig() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("fontconfig") or "libfontconfig.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.FcNameParse.restype = ctypes.c_void_p
    lib.FcNameParse.argtypes = [ctypes.c_char_p]
    lib.FcObjectSetBuild.restype = ctypes.c_void_p
    lib.FcFontList.restype = ctypes.POINTER(_FcFontSet)
    lib.FcFontList.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.FcPatternGetString.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_char_p),
    ]
    for destroy in ("FcFontSetDestroy", "FcObjectSetDestroy", "FcPatternDestroy"):
        getattr(lib, destroy).argtypes = [ctypes.c_void_p]
    return lib


def cjk_fonts() -> list[str]:
    """The families of the installed fonts that cover simplified Chinese, as fontconfig lists
    them (`fc-list :lang=zh-cn`). WeasyPrint draws text through Pango, which finds fonts
    through fontconfig, falling back from the families the forms name to any font that has
    the characters: with none, every Chinese character of a PDF prints as an empty box
    (issue 8 item 6). Without the fontconfig library WeasyPrint cannot run either: none."""
    lib = _fontconfig()
    if lib is None:
        return []
    pattern = lib.FcNameParse(b":lang=zh-cn")
    objects = lib.FcObjectSetBuild(b"family", None)
    found = lib.FcFontList(None, pattern, objects)
    families: set[str] = set()
    try:
        if found:
            for index in range(found.contents.nfont):
                value = ctypes.c_char_p()
                if (
                    lib.FcPatternGetString(
                        found.contents.fonts[index], b"family", 0, ctypes.byref(value)
                    )
                    == 0
                    and value.value
                ):
                    families.add(value.value.decode("utf-8", "replace"))
    finally:
        if found:
            lib.FcFontSetDestroy(found)
        lib.FcObjectSetDestroy(objects)
        lib.FcPatternDestroy(pattern)
    return sorted(families)


def cjk_font_warning() -> str:
    """The warning given when no font has Chinese characters ("" when one does): named
    package and command included, for `pinzhi check` and `pinzhi demo`."""
    if cjk_fonts():
        return ""
    return f"{NO_CJK_FONT} {NO_CJK_FONT_HINT % {'command': CJK_FONT_INSTALL}}"


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
