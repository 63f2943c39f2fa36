"""Django merges every app's catalogue into one: for a message id two apps translate
differently, the app listed first in INSTALLED_APPS wins and the other app's pages show a
wording it never chose (an inspection's 「检查结果」 read as a complaint's 「答复」). A newer app
gives such a word a context (`pgettext_lazy`) or the older app's wording."""

import polib
from django.apps import apps
from django.conf import settings

# Collisions among the apps of issues 1–9, each harmless where it shows (a label read in the
# older app's wording). New ones are not added here: give the word a context.
KNOWN = {
    ("policy", "Reason"), ("policy", "code"), ("policy", "policy pack"), ("policy", "people"),
    ("policy", "Organisation"), ("timeline", "value"), ("timeline", "Duration"),
    ("deadlines", "Code"), ("deadlines", "code"), ("deadlines", "calendar days"),
    ("deadlines", "Remove"), ("notify", "E-mail"), ("complaints", "Complaints"),
    ("complaints", "Note"), ("complaints", "E-mail"), ("complaints", "complaints"),
    ("complaints", "sent at"), ("complaints", "Due"), ("complaints", "Met"),
    ("complaints", "Done"), ("portal", "Complaints"), ("portal", "Phone"),
    ("portal", "Complaint received"), ("portal", "Being handled"), ("api", "Complaints"),
    ("api", "Active"),
}  # fmt: skip


def _catalogues():
    for name in settings.INSTALLED_APPS:
        if not name.startswith("pinzhi."):
            continue
        path = f"{apps.get_app_config(name.rsplit('.', 1)[1]).path}/locale/zh_Hans/LC_MESSAGES/django.po"
        try:
            yield name.rsplit(".", 1)[1], polib.pofile(path)
        except OSError:
            continue


def test_no_app_shows_another_apps_wording_for_its_own_words():
    first: dict[tuple[str | None, str], tuple[str, str]] = {}
    clashes = []
    for app, catalogue in _catalogues():
        for entry in catalogue:
            if not entry.msgstr or entry.obsolete:
                continue
            key = (entry.msgctxt, entry.msgid)
            if key in first and first[key][1] != entry.msgstr and (app, entry.msgid) not in KNOWN:
                clashes.append(
                    f"{app}: {entry.msgid!r} = {entry.msgstr!r}, "
                    f"but {first[key][0]} (listed first) says {first[key][1]!r}"
                )
            first.setdefault(key, (app, entry.msgstr))
    assert not clashes, "\n".join(clashes)
