"""An information request made on the case page and e-mailed, and the reply link it carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.mail import jobs as mail_jobs
from backoffice.mail.models import OutboxMessage
from backoffice.reviews.models import InformationReply, InformationRequest, ReplyDocument
from tests.conftest import form_token

LINK = re.compile(r"https?://\S+/reply/(\d+)/(\S+)")


@dataclass
class Asked:
    case: Case
    request_id: int
    link: str  # as the e-mail has it
    token: str

    @property
    def path(self) -> str:
        return f"/reply/{self.request_id}/{self.token}"


def take_case(client, case) -> None:
    client.post("/admin/case/take/" + str(case.id), data={
        "csrf_token": form_token(client, f"/admin/case/review/{case.id}")})


def ask(client, session, smtp_server, case, message="Please send your IG policy.") -> Asked:
    """The reviewer (logged in on ``client``, holding the case) asks; the e-mail goes out."""
    page = client.post(f"/admin/case/request-information/{case.id}", data={
        "csrf_token": form_token(client, f"/admin/case/review/{case.id}"),
        "message": message}, follow_redirects=True).get_data(as_text=True)
    assert "the SLA clock is stopped" in page
    mail = session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "information_request", OutboxMessage.case_id == case.id)
        .order_by(OutboxMessage.id.desc())).first()
    assert mail_jobs.deliver_outbox(mail.id) == "sent"
    text = smtp_server.inbox.messages[-1][1].get_content()
    found = LINK.search(text)
    assert found, text
    return Asked(case, int(found.group(1)), found.group(0), found.group(2))


def upload(name: str, content: bytes):
    return (BytesIO(content), name)


def reply_form(**changes) -> dict:
    data = {"from_name": "Pat Manager", "from_email": "pat@rosewood.example.org",
            "message": "Our policy is attached."}
    data.update(changes)
    return data


def send_reply(org_client, asked: Asked, files=(), path: str | None = None, **changes):
    """The organisation opens the link, then sends the form, as a browser would."""
    path = path or asked.path
    page = org_client.get(path)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    data = reply_form(**changes)
    data["csrf_token"] = token.group(1) if token else ""
    data["documents"] = [upload(name, content) for name, content in files]
    return org_client.post(path, data=data, content_type="multipart/form-data")


def nothing_stored(session, asked: Asked) -> bool:
    session.expire_all()
    request = session.get(InformationRequest, asked.request_id)
    return (session.scalar(select(InformationReply.id).limit(1)) is None
            and session.scalar(select(ReplyDocument.id).limit(1)) is None
            and request.received_at is None
            and session.get(Case, asked.case.id).status == "awaiting_information")
