"""The corpus in tests/mail/realworld: each message posted to
/api/v1/mail/inbound, and what became of it checked against its expected
result; every accepted message downloads exactly as it was sent."""

import pytest

from kontor.activities.models import Activity
from kontor.contacts.models import EmailAddress
from kontor.files.models import Attachment
from kontor.mail.models import InboundMessage
from tests.factories import ActivityFactory, ContactFactory
from tests.mail.realworld.messages import BOB, CASES, SENT_TO_ANNA, SENT_TO_BOB, Case


@pytest.fixture
def world(user, anna):
    """Anna and Bob, and the two emails Kontor sent them."""
    bob = ContactFactory(first_name="Bob", last_name="Becker", emails=[BOB], owner=user)
    sent = {
        SENT_TO_ANNA: ActivityFactory(
            author=user, contact=anna, kind="email", direction="outbound",
            subject="Ihr Angebot 4711", message_id=SENT_TO_ANNA, thread=SENT_TO_ANNA,
        ),
        SENT_TO_BOB: ActivityFactory(
            author=user, contact=bob, kind="email", direction="outbound",
            subject="Neuigkeiten im März", message_id=SENT_TO_BOB, thread=SENT_TO_BOB,
        ),
    }  # fmt: skip
    return sent


def address(normalized: str) -> EmailAddress:
    return EmailAddress.objects.get(normalized=normalized)


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 55  # and the Outlook files of test_outlook.py


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_real_world_message(inbound, world, case: Case):
    for earlier in case.before:
        assert inbound(earlier).status_code == 201

    response = inbound(case.raw)

    expect = case.expect
    assert response.status_code == expect.status, response.content
    body = response.json()
    message = InboundMessage.objects.get(pk=body["id"])
    raw = b"".join(inbound.client.get(body["raw_url"]).streaming_content)
    if expect.status == 201:
        assert raw == case.raw
    assert body["kind"] == expect.kind
    problems = " | ".join(body["problems"])
    if expect.problem:
        assert expect.problem in problems
    if expect.no_problem:
        assert expect.no_problem not in problems
    if expect.status == 200:
        return
    activity = Activity.objects.filter(pk=body["activity_id"]).first()
    assert (activity is not None) == expect.filed, problems
    if expect.refers_to:
        assert body["refers_to_activity_id"] == str(world[expect.refers_to].pk)
        assert body["report"]["original_message_id"] == expect.refers_to
    for normalized in expect.bouncing:
        assert address(normalized).bouncing
        assert address(normalized).bounced_at is not None
        assert address(normalized).bounce_reason
    for normalized in expect.not_bouncing:
        assert not address(normalized).bouncing
    for normalized in expect.temporary_failures:
        assert address(normalized).temporary_failures == 1
    for normalized in expect.do_not_email:
        assert address(normalized).do_not_email
    if activity is None:
        return
    files = list(Attachment.objects.filter(activity=activity).order_by("created_at", "id"))
    if expect.attachments is not None:
        assert [f.name for f in files] == list(expect.attachments)
    contents = [f.file.read() for f in files]
    for part in case.exact_parts:
        assert part in contents
    if expect.thread:
        assert activity.thread == expect.thread == message.thread
    if expect.text:
        assert expect.text in activity.body
    if expect.subject:
        assert activity.subject == expect.subject
