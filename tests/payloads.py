"""Contract bodies and signed requests, as the toolkit would send them."""

from __future__ import annotations

import copy
import json
import time

from backoffice.notifications.signing import sign

WEBHOOK_SECRET = "test-webhook-secret"
URL = "/api/v1/notifications"

EXAMPLE = {
    "notification_id": "IGT-13-000123",
    "published_at": "2016-03-30T14:22:05Z",
    "organisation": {"ods_code": "8HV48", "name": "Rosewood Care Home",
                     "org_type": "Voluntary Sector", "postcode": "EX1 1AA"},
    "assessment": {
        "toolkit_version": 13, "reporting_year": "2015/16",
        "requirements": [{"id": "114", "level": 2}, {"id": "304", "not_relevant": True},
                         {"id": "117", "level": 1}],
        "improvement_plan": [{"requirement": "117", "action": "Train remaining staff",
                              "owner": "Registered Manager", "target_date": "2017-03-31"}],
        "covers": [{"name": "Cohort study X", "reference": "CAG 4-08(b)/2013"}],
    },
    "applications": [{"type": "S251", "reference": "CAG 4-08(b)/2013"},
                     {"type": "N3", "reference": "IGSOC-55102"}],
}


def body(**changes) -> dict:
    """The example body with top-level changes (use None to drop a key)."""
    result = copy.deepcopy(EXAMPLE)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def encode(payload) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def signed_headers(raw: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {"Content-Type": "application/json", "X-IGT-Timestamp": stamp,
            "X-IGT-Signature": sign(secret, stamp, raw)}


def post(client, payload, **kwargs):
    raw = encode(payload)
    return client.post(URL, data=raw, headers=signed_headers(raw, **kwargs))


def process_pending(app) -> int:
    """Run the job the webhook wakes, in this process, as a worker would."""
    from backoffice.notifications import jobs

    with app.app_context():
        return jobs.process_pending()


def post_processed(client, payload, **kwargs) -> dict:
    """Post as the toolkit (202, accepted), let the worker's job run, and return the
    notification as it then reads: {notification_id, status, case_reference}."""
    from backoffice.extensions import db
    from backoffice.notifications import services

    response = post(client, payload, **kwargs)
    assert response.status_code in (200, 202), response.get_data(as_text=True)
    process_pending(client.application)
    with client.application.app_context():
        notification = services.find_notification(db.session, response.json["notification_id"])
        return services.answer(notification)
