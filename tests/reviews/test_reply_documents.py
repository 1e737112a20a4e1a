"""Documents are taken by what they contain: the seven kinds a reply takes pass, anything
else (a program, a plain zip, a PNG wearing a .pdf name) is refused with the file named."""

from __future__ import annotations

import pytest

from backoffice.reviews.documents import DocumentsRefused, checked_documents, kind_of
from tests import samples

KINDS = [
    ("policy.pdf", samples.pdf, "application/pdf"),
    ("training log.docx", samples.word,
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("assets.xlsx", samples.spreadsheet,
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("minutes.odt", samples.opendocument_text, "application/vnd.oasis.opendocument.text"),
    ("floor plan.png", samples.png, "image/png"),
    ("certificate.JPG", samples.jpeg, "image/jpeg"),
    ("notes.txt", samples.text, "text/plain"),
]


@pytest.mark.parametrize(("name", "make", "content_type"), KINDS, ids=[k[0] for k in KINDS])
def test_each_kind_a_reply_takes_passes_by_its_content(name, make, content_type):
    (document,) = checked_documents([(name, make())])
    assert document.kind.content_type == content_type and document.filename == name


@pytest.mark.parametrize(("name", "content", "says"), [
    ("setup.pdf", samples.program(), "setup.pdf is not a PDF"),
    ("archive.docx", samples.plain_zip(), "archive.docx is not a PDF"),
    ("photo.pdf", samples.png(), "photo.pdf is a PNG file by its content but its name does "
                                 "not end .png: rename it"),
    ("script.sh", b"#!/bin/sh\nrm -rf /\n", "script.sh is a plain text file by its content "
                                            "but its name does not end .txt"),
    ("empty.pdf", b"", "empty.pdf is empty."),
], ids=["program", "zip", "png named pdf", "script", "empty"])
def test_anything_else_is_refused_naming_the_file(name, content, says):
    with pytest.raises(DocumentsRefused) as refused:
        checked_documents([("fine.pdf", samples.pdf()), (name, content)])
    assert len(refused.value.problems) == 1 and refused.value.problems[0].startswith(says)


def test_a_word_file_with_its_structure_broken_is_no_word_file():
    broken = samples.word().replace(b"word/document.xml", b"word/somethingx.xml")
    assert kind_of(broken) is None


def test_a_folder_a_browser_sends_is_dropped_from_the_name():
    (document,) = checked_documents([("C:\\Users\\pat\\policy.pdf", samples.pdf())])
    assert document.filename == "policy.pdf"
