"""The data migration that gives stored messages their content keys."""

import importlib

from django.apps import apps
from django.core.files.base import ContentFile

from kontor.mail.digest import content_digest
from kontor.mail.models import InboundMessage
from tests.mail import corpus

recompute = importlib.import_module(
    "kontor.mail.migrations.0003_recompute_dedup_keys_over_all_mime_parts"
).recompute


def test_stored_messages_get_the_key_of_their_content(inbound, anna):
    first = inbound(corpus.plain()).json()["id"]
    InboundMessage.objects.filter(pk=first).update(dedup_key="a" * 64)
    # Another delivery that the Message-ID key of old had kept apart.
    twin = InboundMessage(dedup_key="b" * 64, fingerprint="", size=1, source="imap")
    twin.raw.save("twin.eml", ContentFile(corpus.plain(X_Mailer="relay")), save=False)
    twin.save()
    second = twin.pk

    recompute(apps, None)

    assert InboundMessage.objects.get(pk=first).dedup_key == content_digest(corpus.plain())
    # The same content stored twice before: nothing is merged, the old key stays.
    assert InboundMessage.objects.get(pk=second).dedup_key == "b" * 64
    assert inbound(corpus.plain(Received="from elsewhere")).status_code == 200
