"""System checks of the shell (`pinzhi check`, and every command that runs the checks)."""

from typing import Any

from django.core import checks

from pinzhi.core import printing


@checks.register()
def cjk_font_installed(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Issue 8 item 6: without a font that has Chinese characters every Chinese character of
    a printed form is an empty box; say so, naming the package to install."""
    if printing.cjk_fonts():
        return []
    return [
        checks.Warning(
            str(printing.NO_CJK_FONT),
            hint=str(printing.NO_CJK_FONT_HINT) % {"command": printing.CJK_FONT_INSTALL},
            id="core.W001",
        )
    ]
