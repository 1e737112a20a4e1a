"""Fuzzing POST /api/v1/notifications: never a 5xx, and nothing that is answered is lost.

Every example is signed, so the answers that can come back are 200 (a repeat),
202 (accepted), 400/422 (malformed), 409 (a known id with another body) and 413
(too big). Properties checked on each request, with row counts taken before and
after: 202/400/409/422 store exactly one row, verbatim, whose status is the one
answered; 200 and 413 store nothing; 400/422 carry a list of {field, message};
a processed notification's assessment can be read back.

The bugs the fuzzing found are pinned at the end of this file: fixed ones as
plain regression tests.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from backoffice.cases.models import Assessment
from backoffice.extensions import db
from backoffice.notifications import batch, handling, services
from backoffice.notifications.api import MAX_BODY_BYTES
from backoffice.notifications.models import Notification
from tests.factories import OrganisationFactory
from tests.payloads import (
    EXAMPLE,
    URL,
    body,
    encode,
    post,
    post_processed,
    process_pending,
    signed_headers,
)

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
STORED = {202, 400, 409, 422}
ANSWERS = STORED | {200, 413}
_serial = itertools.count(1)


def unique_id() -> str:
    return f"FUZZ-{os.getpid()}-{next(_serial):06d}"


# --- checking one request -------------------------------------------------------------------

def _count(session) -> int:
    session.rollback()  # a fresh snapshot: the request committed on its own connection
    return session.scalar(select(func.count(Notification.id)))


def _latest(session) -> Notification:
    session.expire_all()
    return session.scalar(select(Notification).order_by(Notification.id.desc()).limit(1))


def _check_errors(answer: dict) -> None:
    errors = answer["errors"]
    assert isinstance(errors, list) and errors, answer
    for error in errors:
        assert set(error) == {"field", "message"}, error
        assert isinstance(error["field"], str) and error["field"], error
        assert isinstance(error["message"], str) and error["message"], error


def _check_stored(session, raw: bytes, code: int, answer: dict) -> None:
    row = _latest(session)
    assert bytes(row.raw_body) == raw
    assert row.status == answer["status"]
    expected = {202: {"accepted"}, 400: {"rejected"}, 422: {"rejected"},
                409: {"conflict"}}[code]
    assert row.status in expected, (code, row.status)


def _check_processed(client, session) -> None:
    """The job the webhook woke processes an accepted notification; it can be read back."""
    process_pending(client.application)
    row = _latest(session)
    assert row.status in ("processed", "unmatched"), row.status
    if row.status == "processed":  # what was recorded can be read back
        assessment = session.scalar(select(Assessment).where(
            Assessment.notification_pk == row.id))
        assert assessment is not None and assessment.published_at is not None


def send(client, session, raw: bytes):
    """POST one signed body and check every property of the answer; return the response."""
    before = _count(session)
    response = client.post(URL, data=raw, headers=signed_headers(raw))
    code = response.status_code
    assert code < 500, response.get_data(as_text=True)
    assert code in ANSWERS, (code, response.get_data(as_text=True))
    after = _count(session)
    answer = response.get_json()
    assert isinstance(answer, dict)
    if code in STORED:
        assert after == before + 1, f"{code} answered but {after - before} rows stored"
        _check_stored(session, raw, code, answer)
        if code == 202:
            _check_processed(client, session)
    else:
        assert after == before, f"{code} answered but {after - before} rows stored"
    if code in (400, 422):
        _check_errors(answer)
    if code == 400:
        assert answer["errors"][0]["field"] == "body"
    return response


def send_fuzzed(client, session, raw: bytes):
    """``send``, counting the answers for --hypothesis-show-statistics."""
    response = send(client, session, raw)
    event(f"answered {response.status_code}")
    return response


# --- strategies -----------------------------------------------------------------------------


# Any code point, NUL and lone surrogates (JSON "\\ud800") included.
CHARACTERS = st.characters() | st.characters(categories=["Cs"])
TEXT = st.text(CHARACTERS, max_size=40)
SCALARS = (st.none() | st.booleans() | st.integers() | TEXT
           | st.floats(allow_nan=True, allow_infinity=True))
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20)


def _optional_keys(**fields) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional={k: v | JSON_VALUES for k, v in fields.items()})


CONTRACT_SHAPED = _optional_keys(
    notification_id=TEXT,
    published_at=st.datetimes().map(lambda d: d.isoformat() + "Z") | TEXT,
    organisation=_optional_keys(ods_code=TEXT, name=TEXT, org_type=TEXT, postcode=TEXT),
    assessment=_optional_keys(
        toolkit_version=st.integers(-5, 120), reporting_year=TEXT,
        requirements=st.lists(_optional_keys(id=TEXT, level=st.integers(-2, 5),
                                             not_relevant=st.booleans()), max_size=3),
        improvement_plan=st.lists(_optional_keys(requirement=TEXT, action=TEXT, owner=TEXT,
                                                 target_date=TEXT), max_size=2),
        covers=st.lists(_optional_keys(name=TEXT, reference=TEXT), max_size=2)),
    applications=st.lists(_optional_keys(type=st.sampled_from(["N3", "S251", "PCMD", "DARS"]),
                                         reference=TEXT), max_size=3),
)

ENCODED_JSON = st.builds(
    lambda value, ascii_only: json.dumps(value, ensure_ascii=ascii_only).encode(
        "utf-8", "surrogatepass"),
    JSON_VALUES | CONTRACT_SHAPED, st.booleans())

# Paths into EXAMPLE; a mutation changes exactly one of them.
PATHS = [
    ("notification_id",), ("published_at",), ("organisation",),
    ("organisation", "ods_code"), ("organisation", "name"), ("organisation", "org_type"),
    ("organisation", "postcode"), ("assessment",), ("assessment", "toolkit_version"),
    ("assessment", "reporting_year"), ("assessment", "requirements"),
    ("assessment", "requirements", 0), ("assessment", "requirements", 0, "id"),
    ("assessment", "requirements", 0, "level"), ("assessment", "requirements", 1, "not_relevant"),
    ("assessment", "improvement_plan"), ("assessment", "improvement_plan", 0),
    ("assessment", "improvement_plan", 0, "requirement"),
    ("assessment", "improvement_plan", 0, "action"),
    ("assessment", "improvement_plan", 0, "owner"),
    ("assessment", "improvement_plan", 0, "target_date"), ("assessment", "covers"),
    ("assessment", "covers", 0, "name"), ("assessment", "covers", 0, "reference"),
    ("applications",), ("applications", 0), ("applications", 0, "type"),
    ("applications", 0, "reference"),
]
_ALL_KEYS = {key for path in PATHS for key in path if isinstance(key, str)}
DICT_PATHS = [(), ("organisation",), ("assessment",), ("assessment", "requirements", 0),
              ("assessment", "improvement_plan", 0), ("assessment", "covers", 0),
              ("applications", 0)]

STRINGS = (st.sampled_from(["", " ", "\t\n", "x" * 64, "x" * 65, "x" * 500, "x" * 501,
                            "ÅÄÖ åäö", "Ω≈ç√∫", "😀" * 10, "\u200b", "ß" * 10, "ǅǈǋ"])
           | st.integers(0, 20_000).map(lambda n: "x" * n)
           | st.text(CHARACTERS, max_size=600))
HUGE = st.just("x" * (MAX_BODY_BYTES + 1))
NUMBERS = (st.sampled_from([-1, 0, 1, 2, 3, 4, 99, 100, 2**31, 2**63, -(2**63), 10**30])
           | st.integers() | st.floats(allow_nan=False) | st.sampled_from([2.0, 2.5, "2", "two"]))
OFFSETS = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59),
                        max_value=timedelta(hours=23, minutes=59)).map(
    lambda delta: timezone(timedelta(minutes=delta // timedelta(minutes=1))))
DATES = (st.sampled_from(["2016-02-30", "2016-13-01", "2016-03-30T14:22:05",
                          "2016-03-30T25:00:00Z", "2016-03-30 14:22:05Z", "30/03/2016",
                          "yesterday", "", "2016-03-30T14:22:05+01:00",
                          "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
                          "1970-01-01T00:00:00Z", "2017-03-31", 1459347725])
         | st.dates().map(str)
         | st.datetimes(timezones=st.just(UTC) | OFFSETS).map(lambda d: d.isoformat()))
IDS = (st.from_regex(r"[A-Za-z0-9._:-]{1,64}", fullmatch=True)
       | st.text(CHARACTERS, min_size=60, max_size=200)
       | st.sampled_from(["I" * 65, "I" * 5000, " padded ", "with space", "ümlaut"]))
ODS_CODES = st.from_regex(r"[A-Za-z0-9]{3,10}", fullmatch=True)
NESTED_NULLS = st.recursive(
    st.none(), lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["id", "level", "name", "type", "reference"]), inner,
                      max_size=3), max_leaves=6)
REPLACEMENTS = (JSON_VALUES | STRINGS | NUMBERS | DATES | IDS | ODS_CODES | NESTED_NULLS | HUGE
                | st.sampled_from([None, [], {}, [None], {"": None}, True, False]))

MUTATIONS = st.one_of(
    st.tuples(st.just("delete"), st.sampled_from(PATHS), st.none()),
    st.tuples(st.just("replace"), st.sampled_from(PATHS), REPLACEMENTS),
    st.tuples(st.just("extra"), st.sampled_from(DICT_PATHS),
              st.tuples(TEXT.filter(lambda key: key not in _ALL_KEYS), JSON_VALUES)),
)


def _walk(payload, path):
    for key in path:
        payload = payload[key]
    return payload


def mutate(notification_id: str, mutation) -> dict:
    """EXAMPLE with a unique notification_id and exactly one thing changed."""
    kind, path, value = mutation
    payload = copy.deepcopy(EXAMPLE)
    payload["notification_id"] = notification_id
    if kind == "extra":
        key, extra = value
        _walk(payload, path)[key] = extra
        return payload
    parent, key = _walk(payload, path[:-1]), path[-1]
    if kind == "delete":
        del parent[key]
    else:
        parent[key] = value
    return payload


@pytest.fixture
def rosewood(session):
    """EXAMPLE's organisation is registered, so valid examples open (or join) its case."""
    OrganisationFactory(ods_code=EXAMPLE["organisation"]["ods_code"])
    session.commit()


# --- the fuzz tests -------------------------------------------------------------------------

@FUZZ
@given(raw=st.binary(max_size=4096) | TEXT.map(lambda text: text.encode("utf-8",
                                                                          "surrogatepass")))
def test_arbitrary_bytes_never_5xx_and_are_stored(client, session, raw):
    send_fuzzed(client, session, raw)


@FUZZ
@given(raw=ENCODED_JSON)
def test_arbitrary_json_never_5xx_and_is_stored(client, session, rosewood, raw):
    response = send_fuzzed(client, session, raw)
    again = send(client, session, raw)
    if response.status_code in (200, 202):
        assert again.status_code == 200
        assert again.get_json() == response.get_json()
    else:
        assert again.status_code == response.status_code


@FUZZ
@given(mutation=MUTATIONS)
def test_near_valid_bodies_never_5xx_and_repeats_answer_200(client, session, rosewood,
                                                            mutation):
    notification_id = unique_id()
    payload = mutate(notification_id, mutation)
    raw = json.dumps(payload).encode()
    first = send_fuzzed(client, session, raw)
    again = send(client, session, raw)
    if first.status_code in (200, 202):  # the same notification, processed since
        assert again.status_code == 200
        assert again.get_json()["notification_id"] == first.get_json()["notification_id"]
        assert again.get_json()["status"] in ("processed", "unmatched")
    else:
        assert again.status_code == first.status_code
    if first.status_code == 202 and payload.get("notification_id") == notification_id:
        pristine = encode({**EXAMPLE, "notification_id": notification_id})
        other = send(client, session, pristine)
        assert other.status_code == (200 if pristine == raw else 409)


def test_the_example_itself_is_accepted_then_answered_200(client, session, rosewood):
    raw = encode({**EXAMPLE, "notification_id": unique_id()})
    assert send(client, session, raw).status_code == 202
    assert send(client, session, raw).status_code == 200


def test_a_body_over_the_limit_is_413_and_not_stored(client, session):
    payload = mutate(unique_id(), ("replace", ("organisation", "name"),
                                   "x" * (MAX_BODY_BYTES + 1)))
    assert send(client, session, encode(payload)).status_code == 413


# --- what the fuzzing found ----------------------------------------------------------------
# Each of these was a bug (a 500 with nothing stored, a notification stuck or doubled, a
# wrong instant); they are regression tests now.

IDENTITY_TEMPLATES = pytest.mark.parametrize(
    "template", [b'{"notification_id": "%s"}', b'{"organisation": {"ods_code": "%s"}}',
                 b'{"organisation": {"name": "%s"}}'], ids=["notification_id", "ods_code", "name"])


def _stored_rows(session) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).order_by(Notification.id)))


@pytest.mark.parametrize("raw", [b"[" * 100_000 + b"]" * 100_000,
                                 b'{"a":' * 50_000 + b"1" + b"}" * 50_000],
                         ids=["array", "object"])
def test_deeply_nested_json_is_400_and_stored(client, session, raw):
    """Was a RecursionError out of json.loads: a 500, nothing stored."""
    assert send(client, session, raw).status_code == 400


@IDENTITY_TEMPLATES
@pytest.mark.parametrize("text", [b"A\\ud800B", b"A\\u0000B"], ids=["surrogate", "nul"])
def test_unstorable_text_in_an_identity_field_is_422_and_stored(client, session, template,
                                                               text):
    """Was a 500 (the driver cannot encode a lone surrogate; PostgreSQL refuses NUL)."""
    assert send(client, session, template % text).status_code == 422


def test_an_ods_code_longer_in_capitals_is_422_and_stored(client, session):
    """Was a 500 on PostgreSQL: 'ß' * 10 is 20 characters once upper-cased (VARCHAR(10))."""
    raw = encode(body(notification_id=unique_id(),
                      organisation={"ods_code": "ß" * 10, "name": "N", "org_type": "T"}))
    assert send(client, session, raw).status_code == 422
    assert len(_latest(session).ods_code) <= 10


@pytest.mark.parametrize("field", ["application", "cover", "postcode"])
def test_nul_in_contract_text_is_422(client, session, rosewood, field):
    """Was accepted, then never processable on PostgreSQL (stuck 'accepted', sweeper raising)."""
    payload = body(notification_id=unique_id())
    if field == "application":
        payload["applications"][0]["reference"] = "CAG\x001"
    elif field == "cover":
        payload["assessment"]["covers"][0]["reference"] = "CAG\x001"
    else:
        payload["organisation"]["postcode"] = "EX1\x001AA"
    assert send(client, session, encode(payload)).status_code == 422
    assert handling.sweep(db.session) == 0


def test_the_sweeper_goes_on_past_a_notification_that_cannot_be_processed(session, rosewood,
                                                                          monkeypatch):
    """Was: the first failure escaped handling.sweep and every later notification waited."""
    stored = []
    for _ in range(3):
        notification = services.store(session, raw_body=encode(body(
            notification_id=unique_id())), headers={}, source="webhook")
        services.validate(notification)
        stored.append(notification.id)
    session.commit()
    process = batch.process_stored

    def fail_on_the_first(session, notifications, **kwargs):
        if any(n.id == stored[0] for n in notifications):
            raise RuntimeError("cannot be processed")
        return process(session, notifications, **kwargs)

    monkeypatch.setattr(batch, "process_stored", fail_on_the_first)
    handling.sweep(db.session)
    db.session.rollback()
    session.expire_all()
    assert [session.get(Notification, pk).status for pk in stored] == [
        "accepted", "processed", "processed"]  # the first waits for the next sweep


@pytest.mark.parametrize("published_at", ["0001-01-01T00:00:00+05:00",
                                          "9999-12-31T23:59:59-05:00", "1999-12-31T23:59:59Z"])
def test_a_published_at_outside_the_toolkit_era_is_422(client, session, rosewood,
                                                       published_at):
    """Was stored on PostgreSQL as 1 BC / 10000 AD, and every later read of it failed."""
    raw = encode(body(notification_id=unique_id(), published_at=published_at))
    response = send(client, session, raw)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "published_at"


def test_published_at_keeps_its_instant(client, session, rosewood):
    """Was stored on SQLite with the offset dropped: 14:22:05+05:00 read back as 14:22:05."""
    raw = encode(body(notification_id=unique_id(), published_at="2016-03-30T14:22:05+05:00"))
    assert send(client, session, raw).status_code == 202
    stored = session.scalar(select(Assessment)).published_at
    stored = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
    assert stored == datetime(2016, 3, 30, 9, 22, 5, tzinfo=UTC)


def test_a_padded_notification_id_is_the_same_notification(client, session, rosewood):
    """Was: ' IGT-1' and 'IGT-1' were processed as two notifications with two assessments."""
    notification_id = unique_id()
    padded = encode(body(notification_id=f" {notification_id} "))
    assert send(client, session, padded).status_code == 202
    assert send(client, session, padded).status_code == 200
    assert send(client, session, encode(body(notification_id=notification_id))).status_code \
        == 409  # the same id with another body
    assert [row.status for row in _stored_rows(session)] == ["processed", "conflict"]
    assert _stored_rows(session)[0].notification_id == notification_id
    assert session.scalar(select(func.count(Assessment.id))) == 1


def test_an_unmatched_padded_ods_code_resumes_once_registered(client, session):
    """Was: ' 9zz99 ' was kept unstripped and never met organisation 9ZZ99 once registered."""
    payload = body(notification_id=unique_id())
    payload["organisation"]["ods_code"] = " 9zz99 "
    assert post_processed(client, payload)["status"] == "unmatched"
    OrganisationFactory(ods_code="9ZZ99")
    session.commit()
    handling.sweep(db.session)
    session.expire_all()
    assert _latest(session).status == "processed"


@pytest.mark.parametrize("field, value", [("reporting_year", "２０１５/１６"),
                                          ("requirement", "١١٤"),
                                          ("plan_requirement", "١١٧")])
def test_digits_are_ascii_digits(client, session, rosewood, field, value):
    payload = body(notification_id=unique_id())
    assessment = payload["assessment"]
    if field == "reporting_year":
        assessment["reporting_year"] = value
    elif field == "requirement":
        assessment["requirements"][0]["id"] = value
    else:
        assessment["requirements"][2]["id"] = value
        assessment["improvement_plan"][0]["requirement"] = value
    assert post(client, payload).status_code == 422
