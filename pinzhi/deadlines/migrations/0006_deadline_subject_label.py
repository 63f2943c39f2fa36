"""Deadlines of complaints stored "<tracking code> <title>" as their label, and the title
may carry the customer's name or phone number (ORG-3, issue 8 item 3): keep the code."""

from django.db import migrations


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Deadline = apps.get_model("deadlines", "Deadline")
    kind = ContentType.objects.filter(app_label="complaints", model="complaint").first()
    if kind is None:
        return
    for deadline in (
        Deadline.objects.filter(content_type=kind).only("pk", "subject_repr").iterator()
    ):
        code = deadline.subject_repr.split(" ", 1)[0]
        if code != deadline.subject_repr:
            Deadline.objects.filter(pk=deadline.pk).update(subject_repr=code)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("deadlines", "0005_deadline_owner_role"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
