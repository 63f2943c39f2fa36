"""Issue 6 item 5: failures logged before `Delivery.detail` existed kept the network error
or the gateway's answer in `error`, which the quality department sees. Move that text to
`detail` (superusers only) and leave the generic failure in `error`."""

import re

from django.conf import settings
from django.db import migrations
from django.utils import translation

# What the transports wrote: "HTTP 500: <answer>" or "<ExceptionName>: <reason>". The
# notes of skipped and interrupted attempts are sentences and stay.
TRANSPORT_ERROR = re.compile(r"^(HTTP \d{3}|[A-Za-z_][A-Za-z0-9_.]*): ")
FAILED_STATUSES = ("failed", "gave_up")


def forwards(apps, schema_editor):
    Delivery = apps.get_model("notify", "Delivery")
    with translation.override(settings.LANGUAGE_CODE):
        failed = translation.gettext("Delivery failed.")
        answered = translation.gettext(
            "Delivery failed: the gateway answered HTTP %(status_class)s."
        )
    rows = Delivery.objects.filter(status__in=FAILED_STATUSES, detail="").exclude(error="")
    for delivery in rows.only("pk", "error", "response_code").iterator():
        if not TRANSPORT_ERROR.match(delivery.error):
            continue
        if delivery.response_code:
            error = answered % {"status_class": f"{delivery.response_code // 100}xx"}
        else:
            error = failed
        Delivery.objects.filter(pk=delivery.pk).update(error=error, detail=delivery.error)


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0003_delivery_detail"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
