import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinzhi.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Issue 9 item 2: load what a registration needs at process start, not in a caller's
    request: jieba's dictionary (about a second) and OpenCC's tables, by cutting one text.
    The sentence encoder is the worker's (`complaints.meaning`): it never loads here."""
    from pinzhi.complaints.text import search_document

    search_document("預熱 warm-up")


_warm_up()
