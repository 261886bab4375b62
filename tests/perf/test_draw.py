"""The generator's values drawn in bulk and written in the databases' text
form: the same values, in the same distributions, as drawn one by one."""

import collections
import datetime
import random
import uuid

import pytest
from django.db import connection

from kontor.contacts.normalization import normalize_phone
from kontor.perf import names
from kontor.perf.bulk import Moments, uuid7_at, uuid7_hex
from kontor.perf.generate import random_phones

MOMENTS = [
    datetime.datetime(2021, 1, 1, 0, 0, tzinfo=datetime.UTC),
    datetime.datetime(2024, 2, 29, 23, 59, 59, 999_000, tzinfo=datetime.UTC),
    datetime.datetime(2026, 12, 6, 9, 30, 12, 345_000, tzinfo=datetime.UTC),
    datetime.datetime(2026, 12, 6, 9, 30, 12, 1_000, tzinfo=datetime.UTC),
]


def _milliseconds(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_moment_s_text_on_sqlite_is_what_django_stores(moment, settings):
    # Django's SQLite operations, whichever database the tests run on (both
    # keep their connection in UTC).
    from django.db.backends.sqlite3.base import DatabaseWrapper

    settings.USE_TZ = True
    stored = DatabaseWrapper.ops_class(connection).adapt_datetimefield_value(moment)

    assert Moments("sqlite").text(_milliseconds(moment)) == stored


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_moment_s_text_on_postgresql_names_the_same_moment_in_utc(moment):
    text = Moments("postgresql").text(_milliseconds(moment))

    assert text.endswith("+00:00")
    assert datetime.datetime.fromisoformat(text) == moment


def test_a_uuid7_as_hex_is_the_uuid7_at_the_same_moment_with_the_same_bits():
    moment = MOMENTS[2]

    text = uuid7_hex(_milliseconds(moment), random.Random(4).getrandbits(74))

    assert text == uuid7_at(moment, random.Random(4)).hex
    assert uuid.UUID(text).version == 7


def test_surnames_drawn_in_bulk_come_as_often_as_drawn_one_by_one():
    one_by_one = random.Random(1)
    single = collections.Counter(names.surname(one_by_one) for _ in range(40_000))
    bulk = collections.Counter(names.surnames(random.Random(2), 40_000))

    common = set(names.LAST_NAMES)
    for name in bulk:
        assert name in common or name.startswith(tuple(names.SURNAME_STEMS)), name
    share = sum(n for name, n in bulk.items() if name in common) / 40_000
    assert 0.19 < share < 0.25  # a fifth, and composed names that happen to be common ones
    assert abs(share - sum(n for name, n in single.items() if name in common) / 40_000) < 0.02
    for name in ("Müller", "Schmidt", "Wagner"):
        assert abs(bulk[name] - single[name]) < 0.25 * single[name], name


def test_phones_drawn_in_bulk_are_valid_and_mixed_as_one_by_one():
    phones = random_phones(random.Random(1), 4_000, mobile_share=0.4)

    for phone in phones:
        assert normalize_phone(phone.raw).e164 == phone.e164, phone.raw
    foreign = sum(not phone.e164.startswith("+49") for phone in phones) / 4_000
    mobile = sum(phone.e164.startswith("+491") for phone in phones) / 4_000
    assert 0.08 < foreign < 0.12
    assert 0.32 < mobile < 0.40  # 0.4 of the nine in ten German ones
    assert len({phone.raw[:2] for phone in phones}) >= 3  # typed in several ways
