"""Replacing a template: a good .docx is accepted as a new version; anything else is refused."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from docx import Document

from backoffice.core.vocabulary import Outcome
from backoffice.letters import jobs, rendering, services, templates
from backoffice.letters.models import LetterTemplate
from backoffice.letters.rendering import TemplateRefused


def _docx(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _refused(session, people, content: bytes, filename: str = "CAG.docx") -> str:
    before = [t.id for t in templates.template_versions(session, "CAG")]
    with pytest.raises(TemplateRefused) as refused:
        templates.upload_template(session, actor=people["admin"][1], recipient="CAG",
                                 filename=filename, content=content)
    session.rollback()
    assert [t.id for t in templates.template_versions(session, "CAG")] == before
    return refused.value.message


def test_a_good_replacement_is_a_new_version_and_makes_the_next_letters(
        session, people, case_in_sending_letters):
    content = _docx("Dear CAG, about {{ application_reference }} for {{ organisation_name }}:",
                    "{{ outcome_label }} — new wording")
    template = templates.upload_template(session, actor=people["admin"][1], recipient="CAG",
                                        filename="cag-2017.docx", content=content, note="2017")
    session.commit()
    assert (template.version, template.builtin) == (2, False)
    assert [t.version for t in templates.template_versions(session, "CAG")] == [2, 1]
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    letter = next(lt for lt in services.current_letters(session, case) if lt.recipient == "CAG")
    assert letter.template_version_id == template.id
    text = "\n".join(p.text for p in Document(io.BytesIO(letter.content)).paragraphs)
    assert "Satisfactory — new wording" in text and "CAG 4-08(b)/2013" in text


def test_a_macro_enabled_document_is_refused(session, people):
    assert "macro-enabled (.docm)" in _refused(session, people, _docx("x"), "CAG.docm")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package, zipfile.ZipFile(io.BytesIO(_docx("x"))) as ok:
        for name in ok.namelist():
            package.writestr(name, ok.read(name))
        package.writestr("word/vbaProject.bin", b"\x00macro")
    assert "contains macros" in _refused(session, people, buffer.getvalue())


def test_a_renamed_text_file_is_refused(session, people):
    assert "not a zip" in _refused(session, people, b"Dear {{ organisation_name }}\n")


def test_a_zip_without_word_parts_is_refused(session, people):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("hello.txt", "hello")
    assert "no [Content_Types].xml, word/document.xml" in _refused(session, people,
                                                                    buffer.getvalue())


def test_a_zip_bomb_is_refused(session, people):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package, \
            zipfile.ZipFile(io.BytesIO(_docx("x"))) as ok:
        for name in ok.namelist():
            package.writestr(name, ok.read(name))
        package.writestr("word/media/bomb.bin", b"\0" * (rendering.MAX_EXPANDED_BYTES + 1))
    content = buffer.getvalue()
    assert len(content) < rendering.MAX_TEMPLATE_BYTES
    assert "zip bomb" in _refused(session, people, content)


def test_an_oversized_file_is_refused(session, people):
    content = b"PK" + b"\0" * (rendering.MAX_TEMPLATE_BYTES + 1)
    assert "at most 5 MB" in _refused(session, people, content)


def test_an_unknown_placeholder_is_named(session, people):
    message = _refused(session, people,
                       _docx("Dear {{ organisation_name }}, {{ favourite_colour }}"))
    assert "{{ favourite_colour }}" in message and "organisation_name }}" not in message


def test_a_template_reaching_python_internals_is_refused(session, people):
    message = _refused(session, people, _docx("{{ organisation_name.__class__.__mro__ }}"))
    assert "Python internals" in message and "__class__" in message
    message = _refused(session, people, _docx("{{ (reasons|attr('__class__')) }}"))
    assert "did not render" in message or "Python internals" in message


def test_a_template_that_breaks_on_a_sample_case_is_refused(session, people):
    message = _refused(session, people, _docx("{{ reasons.nothing_here.deeper }}"))
    assert "did not render against a sample case" in message


def test_a_template_failing_only_for_one_outcome_is_refused(session, people):
    message = _refused(session, people, _docx(
        '{%p if outcome == "not_satisfactory" %}', "{{ reasons.missing }}", "{%p endif %}"))
    assert "did not render against a sample case" in message


def test_letters_made_after_an_upgrade_use_the_fixed_built_in_wording(
        session, people, case_in_sending_letters):
    """A database keeps the built-in template it stored first; a fixed one shipped later is
    stored as the next version, unless an admin's upload is newer."""
    old = _docx("Reviewed by {{ reviewer }}. Signed off by {{ senior_reviewer }}.")
    session.add(LetterTemplate(recipient="CAG", version=1, filename="CAG.docx", content=old,
                               sha256=hashlib.sha256(old).hexdigest(), size=len(old),
                               builtin=True, note="built-in default"))
    uploaded = templates.upload_template(session, actor=people["admin"][1],
                                         recipient="organisation", filename="org.docx",
                                         content=_docx("Dear {{ salutation }}, new wording"))
    session.commit()
    case = case_in_sending_letters(Outcome.SATISFACTORY, groups=("CAG",))
    jobs.generate_letters(case.id)
    letters = {lt.recipient: lt for lt in services.current_letters(session, case)}
    text = "\n".join(p.text for p in Document(io.BytesIO(letters["CAG"].content)).paragraphs)
    assert "Reviewed by Rita Reviewer." in text and "Signed off by" not in text
    fixed = session.get(LetterTemplate, letters["CAG"].template_version_id)
    assert (fixed.version, fixed.builtin) == (2, True)
    assert fixed.content == templates.builtin_template("CAG")
    assert letters["organisation"].template_version_id == uploaded.id
    assert templates.current_template(session, "CAG").id == fixed.id
