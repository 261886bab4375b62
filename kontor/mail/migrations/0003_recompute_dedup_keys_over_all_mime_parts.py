"""Received messages were told apart by their Message-ID alone; now by their
whole content (kontor.mail.digest). Recompute the key of every stored
message from its raw file, so that a later delivery of one of them is still
recognized. A key another row already holds (two stored deliveries that are
now seen to be the same) stays as it was: nothing stored is merged."""

from django.db import migrations

BATCH = 500


def recompute(apps, schema_editor):
    from kontor.mail.digest import content_digest

    InboundMessage = apps.get_model("mail", "InboundMessage")
    rows = InboundMessage.objects.filter(raw_format="rfc822").order_by("created_at", "id")
    for message in rows.only("id", "raw", "dedup_key").iterator(chunk_size=BATCH):
        try:
            with message.raw.open("rb") as handle:
                key = content_digest(handle.read())
        except OSError:
            continue  # the raw file is missing; the old key stays
        if key == message.dedup_key:
            continue
        if not InboundMessage.objects.filter(dedup_key=key).exists():
            InboundMessage.objects.filter(pk=message.pk).update(dedup_key=key)


class Migration(migrations.Migration):
    dependencies = [("mail", "0002_received_message_kinds_reports_and_formats")]

    # Backwards the content keys stay; they are unique, which is all the
    # earlier code needs of them.
    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
