"""The information-request e-mail says who asks what of whom, by when, and how to answer."""

from datetime import date

import time_machine

from backoffice.letters import jobs
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.information import request_information
from backoffice.reviews.taking import assign_cases
from tests.factories import AdministratorFactory


@time_machine.travel("2026-12-07 10:00:00+00:00", tick=False)  # a Monday
def test_the_organisation_is_greeted_asked_given_a_date_and_told_how_to_reply(
        session, open_case, people, smtp_server):
    case = open_case()
    AdministratorFactory(organisation=case.organisation, name="Pat Manager",
                         email="pat@rosewood.example.org")
    reviewer, actor = people["reviewer"]
    assign_cases(session, actor=people["senior"][1], cases=[case], reviewer=reviewer)
    request_information(session, actor=actor, case=case,
                                 message="Please send your IG policy.",
                                 recipients=["pat@rosewood.example.org"])
    session.commit()
    message = session.query(OutboxMessage).filter_by(kind="information_request").one()
    assert jobs.deliver_outbox(message.id) == "sent"
    ((to, received),) = smtp_server.inbox.messages
    text = received.get_content()
    assert to == ["pat@rosewood.example.org"]
    assert text.startswith("Dear Pat Manager,")
    assert case.organisation.name in text and case.organisation.ods_code in text
    assert f"Case reference: {case.reference}." in text
    assert "Please send your IG policy." in text
    assert f"Please send it by {date(2026, 12, 21).day} Dec 2026." in text  # 10 working days
    assert received["Reply-To"] == reviewer.email
    assert f"the reply goes to {reviewer} ({reviewer.email})" in text
