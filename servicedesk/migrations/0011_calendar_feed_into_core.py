"""The desk's calendar feed secrets move into core's FeedSecret (feed "changes"), which every
app's feeds use (core.feeds): each person's existing address keeps working, as only the hash
of the secret was ever kept and it is copied as it is."""

from django.db import migrations


def into_core(apps, schema_editor):
    CalendarFeed = apps.get_model("servicedesk", "CalendarFeed")
    FeedSecret = apps.get_model("core", "FeedSecret")
    for old in CalendarFeed.objects.all().order_by("pk"):
        FeedSecret.objects.update_or_create(
            user_id=old.user_id,
            feed="changes",
            defaults={"secret_hash": old.secret_hash},
        )


def back_to_desk(apps, schema_editor):
    CalendarFeed = apps.get_model("servicedesk", "CalendarFeed")
    FeedSecret = apps.get_model("core", "FeedSecret")
    for row in FeedSecret.objects.filter(feed="changes").order_by("pk"):
        CalendarFeed.objects.update_or_create(
            user_id=row.user_id, defaults={"secret_hash": row.secret_hash}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0010_ticket_configuration_item"),
        ("core", "0006_feed_secret"),
    ]

    operations = [
        migrations.RunPython(into_core, back_to_desk),
        migrations.DeleteModel(name="CalendarFeed"),
    ]
