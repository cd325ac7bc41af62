from django.db import migrations

from core.migration_operations import PostgreSQLOnly

#: A table's changed or inserted rows, as a share of its rows, that start autovacuum on it.
SHARE = 0.01


class Migration(migrations.Migration):
    """On PostgreSQL, autovacuum visits the ticket table after a hundredth of its rows change,
    not PostgreSQL's default of a fifth.

    The counts of the work in hand (the desk console's and home page's) read the open tickets'
    counting index alone, an index-only scan, but only where a table page is marked all-visible,
    and a vacuum marks it. Open tickets are the rows that change all day. At a million tickets,
    once the 49,853 open ones had all been updated, the scan fetched every one of them from the
    table, and the console's pages took 44 to 52 ms instead of 25 (docs/performance.md,
    2026-12-07). With a fifth as the threshold, that would last until 200,000 rows had changed.
    A vacuum reads only the pages not marked, so visiting more often costs little more in all.
    """

    dependencies = [("servicedesk", "0015_open_counts_priority")]

    operations = [
        PostgreSQLOnly(
            sql=(
                "ALTER TABLE servicedesk_ticket SET ("
                f"autovacuum_vacuum_scale_factor = {SHARE}, "
                f"autovacuum_vacuum_insert_scale_factor = {SHARE}, "
                f"autovacuum_analyze_scale_factor = {SHARE})"
            ),
            reverse_sql=(
                "ALTER TABLE servicedesk_ticket RESET (autovacuum_vacuum_scale_factor, "
                "autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor)"
            ),
        )
    ]
