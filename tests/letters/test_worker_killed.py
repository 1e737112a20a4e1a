"""A worker killed in the middle of handing a letter to the SMTP server: still one copy."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update

from backoffice.core.db import utcnow
from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, services
from backoffice.letters.models import DeliveryStatus, Letter
from tests.mailbox import wait_for

DELIVER_IN_A_PROCESS = """
import json, sys
from backoffice import create_app
from backoffice.letters import jobs
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    print(jobs.deliver_letter(int(sys.argv[2])))
"""


class Stall:
    """Holds the first connection at RCPT TO until the test lets go."""

    def __init__(self):
        self.reached = False
        self.holding = True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.reached = True
        while self.holding:
            await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.slow
def test_a_worker_killed_during_delivery_leaves_exactly_one_copy(
        session, case_in_sending_letters, people, smtp_server, settings_overrides):
    services.set_group_address(session, actor=people["admin"][1], group="CAG",
                               email="cag@groups.example.org")
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    letter = next(lt for lt in services.current_letters(session, case) if lt.recipient == "CAG")
    stall = Stall()
    smtp_server.inbox.handle_RCPT = stall.handle_RCPT
    overrides = {**settings_overrides, "smtp_url": smtp_server.url}
    worker = subprocess.Popen([sys.executable, "-c", DELIVER_IN_A_PROCESS,
                               json.dumps(overrides), str(letter.id)],
                              env={**os.environ}, stdout=subprocess.PIPE)
    try:
        assert wait_for(lambda: stall.reached, timeout=60), "the worker never reached the server"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stall.holding = False
        if worker.poll() is None:
            worker.kill()
    del smtp_server.inbox.handle_RCPT
    session.expire_all()
    assert letter.delivery_status == DeliveryStatus.PENDING and letter.sent_at is None
    assert jobs.deliver_letter(letter.id) == "skipped", "the dead worker's lease still holds"
    session.execute(update(Letter).where(Letter.id == letter.id).values(
        claimed_until=utcnow() - timedelta(seconds=1)))  # the lease runs out
    session.commit()
    assert jobs.deliver_letter(letter.id) == "sent"
    assert jobs.deliver_letter(letter.id) == "skipped"
    copies = [m for _, m in smtp_server.inbox.messages if m["Message-ID"] == letter.message_id]
    assert len(copies) == 1
