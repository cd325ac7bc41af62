"""Authenticator seeds are sealed under the installation's secret key (identity/sealed.py):
the column grows to hold a sealed value, and the seeds kept in clear until now are sealed."""

from typing import Any

from django.db import migrations, models


def seal_existing(apps: Any, schema_editor: Any) -> None:
    from identity.sealed import PREFIX, seal

    SecondFactor = apps.get_model("identity", "SecondFactor")
    for factor in SecondFactor.objects.exclude(secret__startswith=PREFIX):
        factor.secret = seal(factor.secret)
        factor.save(update_fields=["secret"])


def unseal_existing(apps: Any, schema_editor: Any) -> None:
    from identity.sealed import PREFIX, unseal

    SecondFactor = apps.get_model("identity", "SecondFactor")
    for factor in SecondFactor.objects.filter(secret__startswith=PREFIX):
        factor.secret = unseal(factor.secret)
        factor.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="secondfactor",
            name="secret",
            field=models.CharField(max_length=255),
        ),
        migrations.RunPython(seal_existing, unseal_existing),
    ]
