"""Requirement statements the toolkit guidance gives, by toolkit version; any other id is
shown by its number.

The statements are those of the source documents, word for word: the care homes'
requirements list, and for 201, 203, 206 (and its CSU variant, which reads the same), 232
and 235 the new statements of the version 13 changes, with the statements they replaced
for earlier versions ("Previous Statement" in 000, "Version 13 Changes"). Screens and
letters ask by (version, requirement): ``requirement_title("201", 12)``.
"""

import re

REQUIREMENT_ID = re.compile(r"^[0-9]{3}$")
SHORT_TITLE = 90
ELLIPSIS = "…"

# Requirements 206 (and its CSU variant) and 235 have had the same statement since version 13.
STAFF_ACCESS_AUDITED = ("Staff access to confidential personal information is monitored and "
                        "audited. Where care records are held electronically, audit trail "
                        "details about access to a record can be made available to the "
                        "individual concerned on request.")

TITLES: dict[str, str] = {
    "114": "Responsibility for Information Governance has been assigned to an appropriate "
           "member, or members, of staff",
    "115": "There is an information governance policy that addresses the overall requirements "
           "of information governance",
    "116": "All contracts (staff, contractor and third party) contain clauses that clearly "
           "identify information governance responsibilities",
    "117": "All staff members are provided with appropriate training on information "
           "governance requirements",
    "201": "The organisation ensures that arrangements are in place to support and promote "
           "information sharing for coordinated and integrated care, and staff are provided "
           "with clear guidance on sharing information for care in an effective, secure and "
           "safe manner.",
    "202": "Confidential personal information is only shared and used in a lawful manner and "
           "objections to the disclosure or use of this information are appropriately respected",
    "203": "Patients, service users and the public understand how personal information is "
           "used and shared for both direct and non-direct care, and are fully informed of "
           "their rights in relation to such use.",
    "206": STAFF_ACCESS_AUDITED,
    "209": "All person identifiable data processed outside of the UK complies with the Data "
           "Protection Act 1998 and Department of Health guidelines",
    "213": "There is a publicly available and easy to understand information leaflet that "
           "informs patients/service users how their information is used, who may have access "
           "to that information, and their own rights to see and obtain copies of their records",
    "214": "There is a confidentiality code of conduct that provides staff with clear guidance "
           "on the disclosure of personal information",
    "215": "All new processes, services and systems are developed and implemented to comply "
           "with information security, information quality and confidentiality and data "
           "protection requirements",
    "216": "There are appropriate confidentiality audit procedures to monitor access to "
           "confidential personal information",
    "232": "Confidential personal information is only shared and used in a lawful manner and "
           "objections to the disclosure or use of this information are appropriately "
           "respected.",
    "235": STAFF_ACCESS_AUDITED,
    "304": "Monitoring and enforcement processes are in place to ensure NHS national "
           "application Smartcard users comply with the terms and conditions of use",
    "316": "There is an information asset register that includes all key information, "
           "software, hardware and services",
    "317": "Unauthorised access to the premises, equipment, records and other assets is "
           "prevented",
    "318": "The use of mobile computing systems is controlled, monitored and audited to ensure "
           "their correct operation and to prevent unauthorised access",
    "319": "There are documented plans and procedures to support business continuity in the "
           "event of power failures, system failures, natural disasters and other disruptions",
    "320": "There are documented incident management and reporting procedures",
    "321": "There are appropriate procedures in place to manage access to computer-based "
           "information systems",
    "325": "Policy and procedures are in place to ensure that Information Communication "
           "Technology (ICT) networks operate securely",
    "412": "Procedures are in place to ensure the accuracy of service user information on all "
           "systems and/or records that support the provision of care, support and advisory "
           "services",
}

# Where the guidance says when a requirement may be marked Not Relevant, its condition, word
# for word (001, the care homes' requirements list). A reviewer who finds the condition does
# not hold records the requirement as relevant, at a level of theirs.
NOT_RELEVANT_CONDITIONS: dict[str, str] = {
    "209": "no overseas processing takes place",
    "304": "NHS national application Smartcards are not used by any of your staff",
    "318": "personal information is NOT recorded, viewed, transferred or stored on tapes "
           "(including any back-up tapes), PDAs, laptops, mobile phones, memory sticks",
    "412": "the Care home does not create or hold its own service user records and is only "
           "able to view and/or update confidential personal information that is held by "
           "another organisation that is itself responsible for ensuring accuracy",
}


def not_relevant_condition(requirement_id: str) -> str | None:
    """When the guidance lets this requirement be marked Not Relevant (None: it says not)."""
    return NOT_RELEVANT_CONDITIONS.get(requirement_id)


# The statements a toolkit version changed, as they read before it (000, "Version 13
# Changes": each requirement's "Previous Statement"). 206's CSU variant had the same ones.
PREVIOUS_AUDIT_PROCEDURES = ("There are appropriate confidentiality audit procedures to "
                             "monitor access to confidential personal information.")
REPLACED_IN: dict[int, dict[str, str]] = {
    13: {
        "201": "Staff are provided with clear guidance on keeping personal information "
               "secure, on respecting the confidentiality of service users, and on the duty "
               "to share information for care purposes.",
        "203": "Individuals are informed about the proposed uses of their personal "
               "information.",
        "206": PREVIOUS_AUDIT_PROCEDURES,
        "232": "Personal information is shared for care but is only used in ways that do "
               "not directly contribute to the delivery of care services where there is a "
               "lawful basis to do so and objections to the disclosure of confidential "
               "personal information are appropriately respected.",
        "235": PREVIOUS_AUDIT_PROCEDURES,
    },
}


def requirement_title(requirement_id: str, version: int | None = None) -> str:
    """The requirement's statement in that toolkit version (the latest when none is given):
    a version before a change reads the statement the change replaced."""
    if version is not None:
        for changed_in in sorted(REPLACED_IN):
            if version < changed_in and requirement_id in REPLACED_IN[changed_in]:
                return REPLACED_IN[changed_in][requirement_id]
    return TITLES.get(requirement_id, f"Requirement {requirement_id}")


def short_title(title: str, limit: int = SHORT_TITLE) -> str:
    """At most ``limit`` characters: a longer title is cut after its last whole word that fits,
    with an ellipsis; screens show the full title in a tooltip."""
    if len(title) <= limit:
        return title
    fits = title[:limit]
    head = fits.rsplit(" ", 1)[0] if " " in fits else fits[:-1]
    return head.rstrip(" ,;:.") + ELLIPSIS


# The toolkit's six initiatives, in the guidance's order; a requirement belongs to the one its
# first digit numbers (114 → 1, Information Governance Management; 412 → 4, Clinical
# Information Assurance), as the requirements lists group them.
INITIATIVES = ("Information Governance Management",
               "Confidentiality and Data Protection Assurance",
               "Information Security Assurance",
               "Clinical Information Assurance",
               "Secondary Use Assurance",
               "Corporate Information Assurance")
OTHER_REQUIREMENTS = "Other requirements"


def initiative(requirement_id: str) -> str:
    """The initiative a requirement belongs to, from its number."""
    first = requirement_id[:1]
    if first.isdigit() and 1 <= int(first) <= len(INITIATIVES):
        return INITIATIVES[int(first) - 1]
    return OTHER_REQUIREMENTS


def in_initiative_order(requirement_ids) -> list[str]:
    """Requirement ids grouped by initiative, in the guidance's order, numerically within."""
    order = {name: index for index, name in enumerate((*INITIATIVES, OTHER_REQUIREMENTS))}
    return sorted(requirement_ids,
                  key=lambda rid: (order[initiative(rid)], len(rid), rid))
