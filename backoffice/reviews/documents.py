"""Documents sent with a reply to an information request: checked by what they contain, not
by their names, before anything is stored.

A reply takes at most ``MAX_DOCUMENTS`` documents of at most ``MAX_DOCUMENT_BYTES`` each, of
the kinds in ``KINDS``: PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT), PNG, JPEG and
plain text. ``filetype`` reads the signature; DOCX, XLSX and ODT are zip files, so their
inner structure decides (``[Content_Types].xml`` and the main part, or ODF's ``mimetype``
entry). A file's name must end as its content is (a PNG named ``.pdf`` is refused too, so
what a reviewer downloads opens as its name says).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

import filetype

from backoffice.core.errors import InvalidInput

MEBIBYTE = 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * MEBIBYTE
MAX_DOCUMENTS = 10
# The most one reply's request may carry: its documents and the form around them.
MAX_REPLY_BYTES = MAX_DOCUMENTS * MAX_DOCUMENT_BYTES + MEBIBYTE
NAME_LENGTH = 255
# The signature is within the first bytes; filetype reads no more than this.
SIGNATURE_BYTES = 8192
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# Control characters a plain-text file does not hold (tab, line feed, form feed, carriage
# return and vertical tab aside).
TEXT_CONTROLS = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D} | {0x7F}


@dataclass(frozen=True)
class Kind:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = Kind("PDF", "application/pdf", ("pdf",))
DOCX = Kind("Word (DOCX)", "application/vnd.openxmlformats-officedocument."
            "wordprocessingml.document", ("docx",))
XLSX = Kind("Excel (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",))
ODT = Kind("OpenDocument text (ODT)", ODT_MIMETYPE.decode(), ("odt",))
PNG = Kind("PNG", "image/png", ("png",))
JPEG = Kind("JPEG", "image/jpeg", ("jpg", "jpeg"))
TEXT = Kind("plain text", "text/plain", ("txt", "text", "csv"))
KINDS = (PDF, DOCX, XLSX, ODT, PNG, JPEG, TEXT)
BY_SIGNATURE = {"application/pdf": PDF, "image/png": PNG, "image/jpeg": JPEG}
KINDS_IN_WORDS = ", ".join(kind.label for kind in KINDS[:-1]) + f" or {KINDS[-1].label}"


@dataclass(frozen=True)
class Document:
    """A document that passed the checks, ready to store."""

    filename: str
    content: bytes
    kind: Kind

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size_bytes(self) -> int:
        return len(self.content)


class DocumentsRefused(InvalidInput):
    """One or more documents were refused; each problem names its file. Nothing is stored."""

    def __init__(self, problems: list[str]):
        super().__init__("Nothing was stored: " + " ".join(problems), field="documents")
        self.problems = problems


def size_in_words(size: int) -> str:
    """12 bytes, 340 KB, 20 MB, 20.5 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < MEBIBYTE:
        return f"{size / 1024:.0f} KB"
    return f"{size / MEBIBYTE:.1f}".removesuffix(".0") + " MB"


def _zip_kind(content: bytes) -> Kind | None:
    """DOCX, XLSX or ODT by the zip's inner structure; any other zip is no document."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    return ODT if entry.read(len(ODT_MIMETYPE) + 1).strip() == ODT_MIMETYPE \
                        else None
            if "[Content_Types].xml" not in names:
                return None
            if "word/document.xml" in names:
                return DOCX
            return XLSX if "xl/workbook.xml" in names else None
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError):
        return None


def _is_text(content: bytes) -> bool:
    """UTF-8 (or Windows-1252) text with no NUL or other control characters."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return not any(ord(char) in TEXT_CONTROLS for char in text)


def kind_of(content: bytes) -> Kind | None:
    """What the content is, of the kinds a reply takes; None for anything else."""
    guess = filetype.guess(content[:SIGNATURE_BYTES])
    if guess is not None and guess.mime in BY_SIGNATURE:
        return BY_SIGNATURE[guess.mime]
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    if guess is None and _is_text(content):
        return TEXT
    return None


def _extension(filename: str) -> str:
    return filename.rpartition(".")[2].lower() if "." in filename else ""


def _problem(filename: str, content: bytes) -> str | None:
    """Why this one file is refused, in words naming it; None when it passes."""
    if not content:
        return f"{filename} is empty."
    if len(content) > MAX_DOCUMENT_BYTES:
        return (f"{filename} is over {size_in_words(MAX_DOCUMENT_BYTES)}, the most a document "
                "may be.")
    kind = kind_of(content)
    if kind is None:
        return (f"{filename} is not a {KINDS_IN_WORDS} file by its content, so it was refused "
                "(a file's name alone does not make it one).")
    if _extension(filename) not in kind.extensions:
        return (f"{filename} is a {kind.label} file by its content but its name does not end "
                f".{kind.extensions[0]}: rename it and send it again.")
    return None


def plain_name(filename: str) -> str:
    """The file's own name, without any folder a browser sent, and short enough to store."""
    name = filename.replace("\\", "/").rpartition("/")[2].replace("\x00", "").strip()
    return name[-NAME_LENGTH:] or "document"


def read_upload(storage) -> tuple[str, bytes]:
    """A file as the form sent it (werkzeug's FileStorage): its name, and its bytes up to one
    past the limit (enough to know it is too large without holding all of it)."""
    return storage.filename or "", storage.read(MAX_DOCUMENT_BYTES + 1)


def checked_documents(files: list[tuple[str, bytes]]) -> list[Document]:
    """Every file passes, or DocumentsRefused says what is wrong with each that does not."""
    if len(files) > MAX_DOCUMENTS:
        raise DocumentsRefused([f"a reply takes at most {MAX_DOCUMENTS} documents, and "
                                f"{len(files)} were chosen."])
    named = [(plain_name(name), content) for name, content in files]
    problems = [problem for name, content in named
                if (problem := _problem(name, content)) is not None]
    if problems:
        raise DocumentsRefused(problems)
    return [Document(name, content, kind_of(content)) for name, content in named]
