"""The API's complaint list pages by cursor (issue 9 item 3): each page ends with `next`, an
opaque cursor holding the last row's (updated_at, id), and the next page is the rows after
it in the list's order — read from the (company, updated_at, id) index however deep the
client pages, where an OFFSET reads and drops every earlier row. Counting stops at
`COUNT_CAP`."""

import base64
import binascii
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from pinzhi.api.problems import InvalidInput
from pinzhi.complaints.models import Complaint

BAD_CURSOR = _(
    "This is not a cursor of the complaint list: pass the “next” value of a page unchanged."
)


def cursor_of(complaint: Complaint) -> str:
    """The cursor of the rows after `complaint` in the list's order (-updated_at, -id)."""
    raw = f"{complaint.updated_at.isoformat()}|{complaint.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def after_cursor(complaints: QuerySet[Complaint], cursor: str) -> QuerySet[Complaint]:
    """The rows after the cursor's row, in the order -updated_at, -id; 422 for a cursor
    this list did not give."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        at, last = datetime.fromisoformat(moment), int(pk)
        if at.tzinfo is None or last < 1:
            raise ValueError(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidInput(BAD_CURSOR, field="cursor", where=("query",)) from error
    # updated_at <= at bounds the index scan; the OR only sorts out the rows of that moment.
    return complaints.filter(Q(updated_at__lte=at) & (Q(updated_at__lt=at) | Q(pk__lt=last)))
