"""Documents as an organisation would send them, made here: a real PDF, Word, Excel and
OpenDocument file, images, plain text — and a Windows program renamed to look like a PDF."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import docx
import openpyxl
from pypdf import PdfWriter


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Information governance policy"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def program() -> bytes:
    """The start of a Windows executable (an MZ header and its DOS stub)."""
    return (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 43
            + b"\x80\x00\x00\x00" + b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21"
            + b"This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 200)


def word() -> bytes:
    document = docx.Document()
    document.add_paragraph("Staff training log 2015/16")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def spreadsheet() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Asset", "Owner"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def opendocument_text() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("setup.exe", program())
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png() -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"\x00\x00")) + _chunk(b"IEND", b""))


def jpeg() -> bytes:
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            + b"\xff\xdb\x00\x43\x00" + bytes(range(64)) + b"\xff\xd9")


def text() -> bytes:
    return b"Asset register reviewed 12 March 2016 by the IG lead.\r\nNo changes.\r\n"
