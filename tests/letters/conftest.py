"""Cases that reached 'sending letters' through the review services, and a real SMTP server."""

from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.core.audit import Actor
from backoffice.reviews import services
from backoffice.reviews.rules import Outcome
from backoffice.reviews.services import FindingInput
from tests.factories import AdministratorFactory, OrganisationFactory, UserFactory
from tests.payloads import body, post

APPLICATIONS = {
    "CAG": {"type": "S251", "reference": "CAG 4-08(b)/2013"},
    "DAAG": {"type": "DARS", "reference": "DARS-NIC-148533"},
    "IGSoC": {"type": "N3", "reference": "IGSOC-55102"},
    "PCMD": {"type": "PCMD", "reference": "PCMD-2016-007"},
}
LEVELS = {
    Outcome.SATISFACTORY: {"114": 2, "115": 3, "117": 2},
    Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN: {"114": 2, "115": 1, "117": 1},
    Outcome.NOT_SATISFACTORY: {"114": 0, "115": 3, "117": 1},
}
PLAN = [{"requirement": "115", "action": "Adopt the IG policy", "owner": "IG Lead",
         "target_date": "2017-03-31"},
        {"requirement": "117", "action": "Train remaining staff", "owner": "Registered Manager",
         "target_date": "2017-01-31"}]
NOT_SATISFACTORY_REASONS = "Requirement 114: nobody is responsible for IG."


@pytest.fixture
def people(session):
    users = {"reviewer": UserFactory(role="reviewer", name="Rita Reviewer"),
             "senior": UserFactory(role="senior_reviewer", name="Sam Senior"),
             "admin": UserFactory(role="admin", name="Ada Admin")}
    session.commit()
    return {name: (user, Actor.of(user)) for name, user in users.items()}


@pytest.fixture
def case_in_sending_letters(client, session, people):
    """Publish, review and record an outcome; the case ends in 'sending letters'."""
    counter = iter(range(1, 1000))

    def make(outcome: Outcome = Outcome.SATISFACTORY, groups=("CAG", "IGSoC"),
             ods_code: str | None = None) -> Case:
        number = next(counter)
        ods_code = ods_code or f"8HV{number:02d}"
        payload = body(notification_id=f"IGT-LETTERS-{ods_code}")
        payload["organisation"]["ods_code"] = ods_code
        payload["assessment"]["requirements"] = [
            {"id": rid, "level": level} for rid, level in LEVELS[outcome].items()]
        payload["assessment"]["improvement_plan"] = PLAN
        payload["applications"] = [APPLICATIONS[group] for group in groups]
        organisation = OrganisationFactory(ods_code=ods_code, name=f"Rosewood Care Home {number}",
                                           address="1 High Street\nExeter", postcode="EX1 1AA")
        AdministratorFactory(organisation=organisation, name="Pat Manager",
                             email=f"pat{number}@rosewood.example.org")
        session.commit()
        reference = post(client, payload).json["case_reference"]
        session.expire_all()
        case = session.scalar(select(Case).where(Case.reference == reference))
        record(session, case, outcome, people)
        session.commit()
        return case

    return make


def record(session, case: Case, outcome: Outcome, people) -> None:
    reviewer, actor = people["reviewer"]
    services.assign_cases(session, actor=people["senior"][1], cases=[case], reviewer=reviewer)
    review = services.review_of(session, case)
    services.record_findings(session, actor=actor, case=case, findings=[
        FindingInput(r.id, True) for r in review.requirements if r.applicable],
        plan_decisions={0: True, 1: True})
    if outcome is Outcome.NOT_SATISFACTORY:
        services.record_outcome(session, actor=actor, case=case, outcome=outcome,
                                reasons=NOT_SATISFACTORY_REASONS)
        senior, senior_actor = people["senior"]
        services.sign_off(session, actor=senior_actor, case=case, signer=senior)
    else:
        services.record_outcome(session, actor=actor, case=case, outcome=outcome,
                                plan_accepted=outcome is not Outcome.SATISFACTORY)


class Inbox:
    """What the SMTP server received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos,
                              message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """An aiosmtpd server the test starts and stops; its port stays the same."""

    def __init__(self, port: int):
        self.port = port
        self.inbox = Inbox()
        self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(app):
    """A running aiosmtpd on a free port; the app's SMTP URL points at it."""
    server = SmtpServer(free_port())
    settings = app.extensions["settings"]
    previous = settings.smtp_url
    settings.smtp_url = server.url
    server.start()
    yield server
    server.stop()
    settings.smtp_url = previous


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


