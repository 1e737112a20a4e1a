"""Demo: each approval group's letters go to an address the local mail catcher accepts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.core.audit import SYSTEM_ACTOR
from backoffice.core.permissions import ApprovalGroup
from backoffice.letters.services import group_address, set_group_address


def ensure_group_addresses(session: Session, domain: str) -> None:
    """cag@groups.<domain> and so on, unless an admin has set them already."""
    for group in ApprovalGroup:
        if group_address(session, group.value) is None:
            set_group_address(session, actor=SYSTEM_ACTOR, group=group.value,
                              email=f"{group.value.lower()}@groups.{domain}")
