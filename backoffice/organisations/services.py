"""Registering organisations and their administrators; the register's rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backoffice.core.audit import Actor, set_actor
from backoffice.core.db import get_or_not_found
from backoffice.core.errors import Conflict, InvalidInput
from backoffice.organisations.models import Organisation, OrganisationAdministrator
from backoffice.organisations.types import ORGANISATION_TYPES, canonical_type
from backoffice.users.services import normalise_email

ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")
POSTCODE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?|[0-9][A-HJKPSTUW])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
SEARCH_LIMIT = 20


class DuplicateOrganisation(Conflict):
    """The ODS code is registered already; carries the existing organisation."""

    def __init__(self, existing: Organisation):
        super().__init__(f"ODS code {existing.ods_code} is already registered to {existing.name}",
                         field="ods_code")
        self.existing = existing


def normalise_ods_code(raw: str | None) -> str:
    """Upper-case, no spaces; 3 to 10 letters and digits (e.g. RH8, A81001, 8HV48)."""
    code = "".join((raw or "").split()).upper()
    if not ODS_CODE.match(code):
        raise InvalidInput(
            f"{raw!r} is not an ODS code: use 3 to 10 letters and digits, e.g. A81001",
            field="ods_code")
    return code


def normalise_postcode(raw: str | None) -> str:
    """A UK postcode in its usual form, e.g. 'EX1 1AA'."""
    compact = "".join((raw or "").split()).upper()
    if not POSTCODE.match(compact):
        raise InvalidInput(f"{raw!r} is not a valid UK postcode, e.g. EX1 1AA", field="postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def check_org_type(raw: str | None) -> str:
    name = canonical_type(raw)
    if name is None:
        raise InvalidInput(
            f"unknown organisation category {raw!r}; choose one of: "
            f"{', '.join(ORGANISATION_TYPES)}",
            field="org_type")
    return name


def check_name(raw: str | None) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise InvalidInput("an organisation needs a name", field="name")
    return name


def check_administrator_name(raw: str | None) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise InvalidInput("an administrator needs a name", field="name")
    return name


def check_parent(organisation: Organisation, parent: Organisation | None) -> None:
    """A parent may be neither the organisation itself nor one of its branches, at any depth."""
    if parent is None:
        return
    if parent.id == organisation.id:
        raise InvalidInput("an organisation cannot be its own parent", field="parent")
    steps, above, seen = [], parent, set()
    while above.parent is not None and above.id not in seen:  # a loop saved before this check
        seen.add(above.id)
        steps.append(f"{above.ods_code}'s parent is {above.parent.ods_code}")
        if above.parent.id == organisation.id:
            raise InvalidInput(f"{parent.ods_code} as its parent would make a loop: "
                               + ", ".join(steps), field="parent")
        above = above.parent


def find_by_ods(session: Session, ods_code: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.ods_code == ods_code))


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    return get_or_not_found(session, Organisation, organisation_id)


def duplicate_link(existing: Organisation, url: str) -> Markup:
    return Markup('ODS code {code} is already registered: <a href="{url}">{name}</a>').format(
        code=existing.ods_code, url=url, name=escape(existing.name))


def ensure_unique_ods(session: Session, ods_code: str, *, own_id: int | None = None) -> None:
    existing = find_by_ods(session, ods_code)
    if existing is not None and existing.id != own_id:
        raise DuplicateOrganisation(existing)


def search_organisations(session: Session, text: str, limit: int = SEARCH_LIMIT):
    """Organisations whose ODS code, name or postcode match, exact ODS code first."""
    words = " ".join(text.split())
    if not words:
        return []
    compact = words.replace(" ", "").upper()
    query = (
        select(Organisation)
        .where(or_(
            Organisation.ods_code.startswith(compact),
            func.lower(Organisation.name).contains(words.lower()),
            func.replace(Organisation.postcode, " ", "").startswith(compact),
        ))
        .order_by((Organisation.ods_code == compact).desc(), Organisation.name)
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass
class AdministratorDetails:
    name: str
    email: str
    phone: str = ""
    id: int | None = None  # an administrator already registered (editing)
    remove: bool = False


@dataclass
class OrganisationDetails:
    ods_code: str
    name: str
    org_type: str
    postcode: str
    address: str = ""
    parent_ods_code: str | None = None
    administrators: list[AdministratorDetails] = field(default_factory=list)

    def cleaned(self) -> OrganisationDetails:
        """The same details normalised; raises InvalidInput naming the first bad field."""
        return OrganisationDetails(
            ods_code=normalise_ods_code(self.ods_code),
            name=check_name(self.name),
            org_type=check_org_type(self.org_type),
            postcode=normalise_postcode(self.postcode),
            address=(self.address or "").strip(),
            parent_ods_code=normalise_ods_code(self.parent_ods_code)
            if self.parent_ods_code else None,
            administrators=self.administrators,
        )


def _parent(session: Session, details: OrganisationDetails) -> Organisation | None:
    if not details.parent_ods_code:
        return None
    if details.parent_ods_code == details.ods_code:
        raise InvalidInput("an organisation cannot be its own parent", field="parent_ods_code")
    parent = find_by_ods(session, details.parent_ods_code)
    if parent is None:
        raise InvalidInput(f"parent organisation {details.parent_ods_code} is not registered",
                           field="parent_ods_code")
    return parent


def register_organisation(session: Session, *, actor: Actor,
                          details: OrganisationDetails) -> Organisation:
    """Register a new organisation; its ODS code must not be registered already."""
    set_actor(session, actor)
    details = details.cleaned()
    ensure_unique_ods(session, details.ods_code)
    organisation = Organisation(
        ods_code=details.ods_code, name=details.name, org_type=details.org_type,
        address=details.address, postcode=details.postcode, parent=_parent(session, details))
    session.add(organisation)
    for admin in details.administrators:
        add_administrator(session, actor=actor, organisation=organisation, details=admin)
    session.flush()
    return organisation


def add_administrator(session: Session, *, actor: Actor, organisation: Organisation,
                      details: AdministratorDetails) -> OrganisationAdministrator:
    """Add an Organisation Administrator; an organisation may have several."""
    set_actor(session, actor)
    administrator = OrganisationAdministrator(
        name=check_administrator_name(details.name), email=normalise_email(details.email),
        phone=details.phone.strip())
    organisation.administrators.append(administrator)
    session.flush()
    return administrator


def update_organisation(session: Session, *, actor: Actor, organisation: Organisation,
                        details: OrganisationDetails) -> bool:
    """Bring a registered organisation in line with these details; True if anything changed."""
    set_actor(session, actor)
    details = details.cleaned()
    ensure_unique_ods(session, details.ods_code, own_id=organisation.id)
    wanted = {
        "ods_code": details.ods_code, "name": details.name, "org_type": details.org_type,
        "address": details.address, "postcode": details.postcode,
    }
    changed = False
    for key, value in wanted.items():
        if getattr(organisation, key) != value:
            setattr(organisation, key, value)
            changed = True
    parent = _parent(session, details)
    check_parent(organisation, parent)
    if organisation.parent is not parent:
        organisation.parent = parent
        changed = True
    session.flush()
    return changed


def update_administrators(session: Session, *, actor: Actor, organisation: Organisation,
                          administrators: list[AdministratorDetails]) -> None:
    """Edit, remove or add the organisation's administrators; each change is audited."""
    set_actor(session, actor)
    current = {administrator.id: administrator for administrator in organisation.administrators}
    for details in administrators:
        if details.id is None:
            if not details.remove:
                add_administrator(session, actor=actor, organisation=organisation,
                                  details=details)
            continue
        administrator = current.get(details.id)
        if administrator is None:
            raise InvalidInput(f"{organisation.ods_code} has no administrator {details.id}",
                               field="administrators")
        if details.remove:
            organisation.administrators.remove(administrator)
            session.delete(administrator)
            continue
        administrator.name = check_administrator_name(details.name)
        administrator.email = normalise_email(details.email)
        administrator.phone = details.phone.strip()
    session.flush()
