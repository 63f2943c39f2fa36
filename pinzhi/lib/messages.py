"""`make messages`: extract each app's message catalogue, then derive traditional Chinese.
`python -m pinzhi.lib.messages compile` builds the .mo files (no system gettext needed).

Simplified Chinese is written by hand in each app's `locale/zh_Hans`; the `zh_Hant`
catalogue is generated from it with OpenCC (Taiwan standard with phrases), except for
entries a translator has edited by hand (marked with the `manual` flag), which are kept.
English is the source language and needs no catalogue.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import opencc
import polib

PACKAGE = Path(__file__).resolve().parent.parent
DJANGO_ADMIN = Path(sys.executable).parent / "django-admin"


def app_dirs() -> list[Path]:
    return sorted(p.parent for p in PACKAGE.glob("*/apps.py"))


def extract(app: Path) -> None:
    (app / "locale").mkdir(exist_ok=True)
    for language in ("zh_Hans", "zh_Hant"):
        # Extraction needs GNU gettext (xgettext): `apt-get install gettext`.
        subprocess.run(
            [DJANGO_ADMIN, "makemessages", "-l", language, "--ignore=tests/*", "--no-obsolete"],
            cwd=app,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def derive_traditional(app: Path, converter: opencc.OpenCC) -> tuple[int, int]:
    """Fill zh_Hant from zh_Hans; returns (converted, missing simplified) counts."""
    simplified = polib.pofile(str(app / "locale/zh_Hans/LC_MESSAGES/django.po"))
    traditional = polib.pofile(str(app / "locale/zh_Hant/LC_MESSAGES/django.po"))
    source = {(e.msgctxt, e.msgid): e for e in simplified if not e.obsolete}
    converted = missing = 0
    for entry in traditional:
        if "manual" in entry.flags:
            continue
        hans = source.get((entry.msgctxt, entry.msgid))
        if hans is None or not (hans.msgstr or any(hans.msgstr_plural.values())):
            missing += 1
            continue
        entry.msgstr = converter.convert(hans.msgstr)
        if hans.msgstr_plural:
            entry.msgstr_plural = {k: converter.convert(v) for k, v in hans.msgstr_plural.items()}
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        converted += 1
    traditional.save()
    return converted, missing


def compile_all() -> int:
    """Compile every catalogue to .mo with polib, so no system gettext is needed."""
    count = 0
    for po_path in PACKAGE.glob("*/locale/*/LC_MESSAGES/django.po"):
        catalogue = polib.pofile(str(po_path))
        catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
    return count


def main() -> None:
    if sys.argv[1:] == ["compile"]:
        print(f"compiled {compile_all()} message catalogues")
        return
    converter = opencc.OpenCC("s2twp")
    for app in app_dirs():
        extract(app)
        if not (app / "locale/zh_Hans/LC_MESSAGES/django.po").exists():
            # An app without a user-facing string (the bench) gets no catalogue.
            shutil.rmtree(app / "locale", ignore_errors=True)
            continue
        converted, missing = derive_traditional(app, converter)
        note = f", {missing} without a simplified translation" if missing else ""
        print(f"{app.name}: {converted} messages in traditional Chinese{note}")


if __name__ == "__main__":
    main()
