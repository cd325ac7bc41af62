"""What a contract's next decision is, stored beside its date (docs/performance.md#contracts:
the decisions-due list reads a page of rows and works nothing out per row).

Contracts saved before it have no stored decision: their `dates_as_of` is cleared, so the
daily job (contracts.services.refresh_passed_dates) works their dates and decision out again
on its next run; until then the list works a blank one out as it reads the row."""

from django.db import migrations, models


def mark_dates_stale(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    Contract.objects.filter(decision_by__isnull=False).update(dates_as_of=None)


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0005_service_credit_kpi_protected"),
    ]

    operations = [
        migrations.AddField(
            model_name="contract",
            name="decision",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="What is to be decided.",
                max_length=80,
                verbose_name="Decision",
            ),
        ),
        migrations.RunPython(mark_dates_stale, migrations.RunPython.noop, elidable=True),
    ]
