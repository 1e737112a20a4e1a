"""The product's words are defined once (core/vocabulary.py) and everything else reads them:
a new application type, approval group or outcome is a change to that one module."""

from __future__ import annotations

import ast
from pathlib import Path

from backoffice.api.schemas import CaseOut, CaseQuery
from backoffice.cases.models import Case, CaseReason
from backoffice.core import vocabulary
from backoffice.core.vocabulary import (
    APPLIED_FOR,
    APPROVAL_GROUP_OF,
    CLOCK_RUNNING,
    GROUP_LETTERS,
    ApplicationType,
    ApprovalGroup,
    CaseStatus,
    Outcome,
    applied_for,
)
from backoffice.letters import build_templates, rendering, templates
from backoffice.letters.models import RECIPIENTS, LetterTemplate
from backoffice.notifications.schemas import NotificationIn
from backoffice.portal.forms import PortalSearchForm
from backoffice.reports.forms import OutcomeSearchForm
from backoffice.reviews.admin import CaseAdmin
from backoffice.reviews.forms import OutcomeForm
from backoffice.users.models import User

TYPES = {kind.value for kind in ApplicationType}
GROUPS = {group.value for group in ApprovalGroup}
OUTCOMES = {outcome.value for outcome in Outcome}
PACKAGE = Path(vocabulary.__file__).resolve().parents[1]


def _enums(schema) -> list[set]:
    """Every ``enum`` list anywhere in a JSON schema."""
    if isinstance(schema, dict):
        found = [set(schema["enum"])] if "enum" in schema else []
        return found + [e for value in schema.values() for e in _enums(value)]
    if isinstance(schema, list):
        return [e for value in schema for e in _enums(value)]
    return []


def test_the_operator_contracts_values_are_kept():
    assert {"N3", "S251", "PCMD", "DARS", "CHOOSE_AND_BOOK", "E_REFERRALS", "NHS_MAIL"} == TYPES
    assert {"satisfactory", "satisfactory_with_improvement_plan", "not_satisfactory"} == OUTCOMES
    assert {kind.value: group.value for kind, group in APPROVAL_GROUP_OF.items()} == {
        "N3": "IGSoC", "CHOOSE_AND_BOOK": "IGSoC", "E_REFERRALS": "IGSoC", "NHS_MAIL": "IGSoC",
        "S251": "CAG", "DARS": "DAAG", "PCMD": "DAAG"}


def test_the_approval_groups_are_the_three_the_mission_names():
    """PCMD is data that DAAG advises on, not a group."""
    assert {"CAG", "DAAG", "IGSoC"} == GROUPS


def test_letters_name_each_application_in_the_seeds_words():
    assert set(APPLIED_FOR) == set(ApplicationType)
    assert applied_for("PCMD", "P-1") == "PCMD data (reference P-1)"
    services = {kind: APPLIED_FOR[kind] for kind, group in APPROVAL_GROUP_OF.items()
                if group is ApprovalGroup.IGSOC}
    assert sorted(services.values()) == ["Choose and Book", "E-Referrals", "NHS Mail",
                                         "an N3 connection"]
    for group in ApprovalGroup:
        assert "{{ applied_for }}" in GROUP_LETTERS[group].about
        assert "NHS Digital" not in GROUP_LETTERS[group].addressed("HSCIC")


def test_outcomes_read_in_the_seeds_words_on_screen_and_in_letters():
    labels = {"Satisfactory", "Satisfactory with Improvement Plan", "Not Satisfactory"}
    assert {outcome.label for outcome in Outcome} == labels
    assert {label for _, label in OutcomeForm.outcome.kwargs["choices"]} == labels
    assert {label for _, label in OutcomeSearchForm.outcome.kwargs["choices"][1:]} == labels
    assert {label for _, label in PortalSearchForm.outcome.kwargs["choices"][1:]} == labels
    assert {templates.sample_context("CAG", outcome)["outcome_label"]
            for outcome in Outcome} == labels


def test_every_application_type_informs_a_group_that_has_a_letter():
    assert set(APPROVAL_GROUP_OF) == set(ApplicationType)
    assert set(GROUP_LETTERS) == set(ApprovalGroup)
    assert set(RECIPIENTS) == GROUPS | {"organisation"}
    assert {r.key for r in build_templates.RECIPIENTS} == GROUPS | {"organisation"}
    for group, wording in GROUP_LETTERS.items():
        assert templates.addressee(group.value, "HSCIC", "") == wording.addressed("HSCIC")
    for group in ApprovalGroup:
        assert templates.builtin_template(group.value)[:2] == b"PK"  # a shipped .docx
        assert group.value in rendering.PLACEHOLDERS["recipient"]


def test_the_contract_the_api_and_its_openapi_document_list_the_vocabulary():
    contract = NotificationIn.model_json_schema()
    assert TYPES in _enums(contract)
    query = CaseQuery.model_json_schema()
    assert TYPES in _enums(query["properties"]["reason"])
    assert {s.value for s in CaseStatus} in _enums(query)
    answer = CaseOut.model_json_schema()
    assert OUTCOMES in _enums(answer) and GROUPS in _enums(answer) and TYPES in _enums(answer)


def test_the_queue_filters_offer_every_type_group_and_status_in_words(client, login):
    filters = {f.name: {value for value, _ in f.options} for f in CaseAdmin.column_filters
               if hasattr(f, "options") and f.options}
    assert filters["Application type"] == TYPES
    assert filters["Approval group"] == GROUPS
    assert CaseAdmin.column_choices["status"] == [
        (s.value, s.label[:1].upper() + s.label[1:]) for s in CaseStatus]
    login("admin")
    assert ("N3, S251, PCMD, DARS, CHOOSE_AND_BOOK, E_REFERRALS or NHS_MAIL"
            in client.get("/admin/rule/").get_data(as_text=True))


def test_every_value_fits_the_column_it_is_stored_in():
    """A new value longer than its column needs a migration widening it."""
    for values, column in ((TYPES, CaseReason.application_type),
                           (GROUPS, CaseReason.approval_group), (GROUPS, User.approval_group),
                           (GROUPS, LetterTemplate.recipient), (OUTCOMES, Case.outcome),
                           ({s.value for s in CaseStatus}, Case.status)):
        assert max(map(len, values)) <= column.type.length, column


def test_no_other_module_spells_an_application_type_group_or_outcome():
    """The demo's made-up data and the migrations' history aside."""
    words = TYPES | GROUPS | OUTCOMES
    spelled = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "vocabulary.py" or {"migrations", "demo"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in words:
                spelled.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}")
    assert spelled == []


def test_the_sla_clock_runs_in_every_open_status_but_awaiting_information():
    assert set(CLOCK_RUNNING) == {CaseStatus.UNASSIGNED, CaseStatus.IN_REVIEW,
                                  CaseStatus.AWAITING_SIGN_OFF, CaseStatus.SENDING_LETTERS}
    for status in CaseStatus:
        case = Case(status=status.value)
        assert case.clock_running is (status in CLOCK_RUNNING)
        assert case.clock_paused is (status is CaseStatus.AWAITING_INFORMATION)
