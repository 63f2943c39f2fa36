"""Issue 9 item 3: pre-aggregated monthly figures of the complaints, kept by the database.

`complaints_monthlyfigure` counts the complaints per company, month received (local time),
location, department, category, channel and status. Triggers on `complaints_complaint` append
a row of +1 for each new complaint and, when one of those columns changes, a row of −1 for the
old key and +1 for the new one; `figures.figures_fold` (a clock job) sums a key's rows into one.
Why triggers and not a call in the services: see `pinzhi/complaints/figures.py`.

PostgreSQL: statement triggers with transition tables (one INSERT … SELECT … GROUP BY per
statement, so a COPY or a bulk UPDATE of thousands of rows adds a few rows). SQLite: row
triggers, the month taken at the fixed UTC offset of TIME_ZONE (China keeps no summer time).
The backfill is one GROUP BY over the complaints (seconds at a million), made after the
triggers are in place and in the same transaction, so no write falls between the two.

`complaints_runninglimit` holds the running time limits (open or breached) of the open
complaints with their due time, kept by triggers on the deadlines (a limit inserted, changed,
deleted) and on the complaints (a change of status or company): the overdue open complaints
are the distinct complaints of its rows due by now, an index range instead of a join of every
open complaint with its limits.

The partial index `complaint_flagged_received` serves the repeat page's list of complaints
flagged as repeats (about one complaint in a hundred), newest first."""

from django.conf import settings
from django.db import migrations, models

from pinzhi.complaints import figures


def create(apps, schema_editor):
    for statement in figures.trigger_sql(schema_editor.connection.vendor, settings.TIME_ZONE):
        schema_editor.execute(statement)
    schema_editor.execute(figures.backfill_sql(schema_editor.connection.vendor, settings.TIME_ZONE))
    for statement in figures.limit_trigger_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)
    schema_editor.execute(figures.limits_backfill_sql(schema_editor.connection.vendor))
    schema_editor.execute(figures.FLAGGED_INDEX)


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS complaint_flagged_received")
    vendor = schema_editor.connection.vendor
    for statement in figures.drop_trigger_sql(vendor) + figures.drop_limit_trigger_sql(vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0008_queue_sort_indexes"),
        ("deadlines", "0006_deadline_subject_label"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="MonthlyFigure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("company_id", models.BigIntegerField()),
                ("month", models.DateField()),
                ("location_id", models.BigIntegerField(null=True)),
                ("department_id", models.BigIntegerField(null=True)),
                ("category", models.CharField(max_length=20)),
                ("channel", models.CharField(max_length=20)),
                ("status", models.CharField(max_length=20)),
                ("count", models.IntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["company_id", "month"], name="figure_company_month")
                ],
            },
        ),
        migrations.CreateModel(
            name="RunningLimit",
            fields=[
                ("deadline_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("complaint_id", models.BigIntegerField()),
                ("company_id", models.BigIntegerField()),
                ("due_at", models.DateTimeField()),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["company_id", "due_at", "complaint_id"], name="running_limit_due"
                    ),
                    models.Index(fields=["complaint_id"], name="running_limit_complaint"),
                ],
            },
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
