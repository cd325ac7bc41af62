import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

#: (table, column, index): the indexes Django made for these foreign keys, by its own names
#: (the same on every database). Dropped with plain SQL: the kernel's migrations import
#: nothing of core outside core.tenancy (so not core.migration_operations), and Django's
#: AlterField would remake each table on SQLite.
INDEXES = [
    (
        "tenancy_audiencecouncil",
        "content_type_id",
        "tenancy_audiencecouncil_content_type_id_e2d44ba0",
    ),
    ("tenancy_membership", "user_id", "tenancy_membership_user_id_69c4e8b6"),
    ("tenancy_ownershare", "content_type_id", "tenancy_ownershare_content_type_id_3c248bb5"),
]


class Migration(migrations.Migration):
    """The indexes another index or unique constraint of the same table starts with, dropped
    (core.indexes; docs/decisions/0044), without remaking their tables."""

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("tenancy", "0003_audience"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="audiencecouncil",
                    name="content_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contenttypes.contenttype",
                    ),
                ),
                migrations.AlterField(
                    model_name="membership",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="ownershare",
                    name="content_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
        ),
    ]
