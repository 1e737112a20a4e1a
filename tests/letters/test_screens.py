"""The letters on the case page, the admin screens and the read API."""

from __future__ import annotations

import hashlib
import io

from docx import Document

from backoffice.api.services import issue_token
from backoffice.core.audit import SYSTEM_ACTOR, trail_for
from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, services
from backoffice.letters.models import LetterTemplate
from tests.conftest import form_token


def _docx(text: str) -> bytes:
    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_the_case_page_lists_the_letters_and_serves_each_file(client, session, login,
                                                              case_in_sending_letters):
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    login("reviewer")
    html = client.get(f"/admin/case/review/{case.id}").get_data(as_text=True)
    letters = services.current_letters(session, case)
    for letter in letters:
        assert letter.filename in html and letter.sha256[:12] in html
    assert "pending" in html and "Regenerate letters" not in html
    response = client.get(f"/admin/letter/{letters[0].id}/download")
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == letters[0].sha256


def test_an_admin_uploads_a_template_and_a_docm_is_refused(client, session, login):
    login("admin")
    token = form_token(client, "/admin/letter_template/")
    response = client.post("/admin/letter_template/upload", data={
        "csrf_token": token, "recipient": "DAAG", "note": "new wording",
        "file": (io.BytesIO(_docx("Dear DAAG, {{ application_reference }}")), "daag.docx")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "DAAG template v2 accepted" in response.get_data(as_text=True)
    response = client.post("/admin/letter_template/upload", data={
        "csrf_token": token, "recipient": "DAAG",
        "file": (io.BytesIO(_docx("x")), "daag.docm")},
        content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Template refused, nothing replaced" in html and "macro-enabled (.docm)" in html
    assert session.query(LetterTemplate).filter_by(recipient="DAAG").count() == 2


def test_failed_deliveries_are_listed_and_can_be_retried_now(client, session, login,
                                                             case_in_sending_letters,
                                                             smtp_server):
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("IGSoC",))
    jobs.generate_letters(case.id)
    letter = next(lt for lt in services.current_letters(session, case) if lt.recipient == "IGSoC")
    jobs.deliver_letter(letter.id)
    admin = login("admin")
    html = client.get("/admin/letter/").get_data(as_text=True)
    assert case.reference in html and "no e-mail address is set for IGSoC" in html
    services.set_group_address(session, actor=SYSTEM_ACTOR, group="IGSoC",
                               email="igsoc@groups.example.org")
    session.commit()
    response = client.post(f"/admin/letter/{letter.id}/retry",
                           data={"csrf_token": form_token(client, "/admin/letter/")})
    assert response.status_code == 302
    retried = [row for row in trail_for(session, "letters", letter.id)
               if row.action == "retry_delivery"]
    assert len(retried) == 1 and retried[0].actor == admin.email
    assert "no e-mail address is set for IGSoC" in retried[0].changes["delivery"][0]
    assert jobs.deliver_letter(letter.id, force=True) == "sent"
    assert "No failed deliveries" in client.get("/admin/letter/").get_data(as_text=True)
    assert len(smtp_server.inbox.messages) == 1


def test_the_read_api_shows_letters_and_a_group_sees_only_its_own(client, session,
                                                                   case_in_sending_letters):
    from tests.factories import UserFactory

    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG", "IGSoC"))
    jobs.generate_letters(case.id)
    reviewer = UserFactory(role="reviewer")
    cag = UserFactory(role="approval_group", approval_group="CAG")
    session.commit()
    seen = {}
    for name, user in (("reviewer", reviewer), ("cag", cag)):
        _, plain = issue_token(session, actor=SYSTEM_ACTOR, user=user)
        session.commit()
        body = client.get(f"/api/v1/cases/{case.reference}",
                          headers={"Authorization": f"Bearer {plain}"}).json
        seen[name] = {(lt["recipient"], lt["version"], lt["delivery_status"])
                      for lt in body["letters"]}
    assert seen["reviewer"] == {("CAG", 1, "pending"), ("IGSoC", 1, "pending"),
                                ("organisation", 1, "pending")}
    assert seen["cag"] == {("CAG", 1, "pending")}


def test_an_undelivered_information_request_is_listed_and_retried(client, session, login,
                                                                  smtp_server):
    from backoffice.mail import jobs as mail_jobs
    from backoffice.mail.models import OutboxMessage

    message = OutboxMessage(kind="information_request", recipients=["pat@example.org"],
                            subject="Information requested", body="Please send the log.")
    session.add(message)
    session.commit()
    smtp_server.stop()
    assert mail_jobs.deliver_outbox(message.id) == "failed"
    login("admin")
    html = client.get("/admin/letter/").get_data(as_text=True)
    assert "Information requested" in html and "could not reach the SMTP server" in html
    smtp_server.start()
    response = client.post(f"/admin/letter/outbox/{message.id}/retry",
                           data={"csrf_token": form_token(client, "/admin/letter/")})
    assert response.status_code == 302
    retried = trail_for(session, "outbox_messages", message.id)
    assert [row.action for row in retried] == ["retry_delivery"]
    assert retried[0].summary == "Information requested"
    assert mail_jobs.deliver_outbox(message.id, force=True) == "sent"
    assert len(smtp_server.inbox.messages) == 1
