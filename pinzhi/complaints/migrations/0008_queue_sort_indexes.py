"""Issue 9 item 3: indexes for the lists' "by status" and "most severe first" orders, and
partial indexes of the open cases (in received order, and by location and department)
through which a department's queue counts and pages its cases. The same names were created
by hand on the 1 M bench database."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_repeat_lookup_indexes"),
        ("orgs", "0008_company_public_contact"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                fields=["status", "-received_at", "-id"], name="complaint_status_sort"
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                models.Case(
                    models.When(severity="urgent", then=models.Value(0)),
                    models.When(severity="major", then=models.Value(1)),
                    default=models.Value(2),
                    output_field=models.IntegerField(),
                ),
                models.OrderBy(models.F("received_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="complaint_severity_sort",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        (
                            "registered",
                            "routed",
                            "acknowledged",
                            "in_progress",
                            "resolved",
                            "called_back",
                        ),
                    )
                ),
                fields=["received_at", "id"],
                name="complaint_open_received",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        (
                            "registered",
                            "routed",
                            "acknowledged",
                            "in_progress",
                            "resolved",
                            "called_back",
                        ),
                    )
                ),
                fields=["location", "received_at", "id"],
                name="complaint_open_location",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        (
                            "registered",
                            "routed",
                            "acknowledged",
                            "in_progress",
                            "resolved",
                            "called_back",
                        ),
                    )
                ),
                fields=["department", "received_at", "id"],
                name="complaint_open_department",
            ),
        ),
    ]
