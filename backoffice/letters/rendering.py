"""Word templates: check an upload, compile it once, fill it in a Jinja sandbox.

A template is a .docx with docxtpl placeholders. It is compiled once per version
(docxtpl's XML preparation, then a sandboxed Jinja template per part); each letter is
the template's zip with its body, headers and footers filled in. Output is
deterministic — the same template and data give the same bytes, hence the same sha256.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache

from docx import Document
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from backoffice.core.errors import InvalidInput
from backoffice.core.vocabulary import ApprovalGroup, Outcome, listed

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
MAX_EXPANDED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
READ_CHUNK = 64 * 1024
COMPILED_CACHE_SIZE = 32
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
MAIN_PART = "word/document.xml"
TEMPLATED_PART = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
REQUIRED_PARTS = ("[Content_Types].xml", MAIN_PART)
# docxtpl tags that change a table's columns; only then are its tables fixed up after filling
TABLE_FIX_TAGS = ("{%tc", "{% tc", "{% colspan", "{%colspan", "{% hm", "{%hm", "{% vm", "{%vm")



PLACEHOLDERS: dict[str, str] = {
    "letterhead_issuing_body": "who issues the letter (setting ISSUING_BODY, or "
                               "LETTER_ISSUING_BODY where set)",
    "letterhead_address": "the issuing team's address (setting LETTER_ADDRESS)",
    "letterhead_contact": "how to reach the issuing team (setting LETTER_CONTACT)",
    "letter_reference": "the letter's own reference, e.g. R-2016-000123/CAG/1",
    "case_reference": "the case reference",
    "date": "the date of the letter",
    "recipient": listed([*ApprovalGroup, "organisation"]),
    "addressee": "who the letter is addressed to",
    "salutation": "the name after 'Dear'",
    "organisation_name": "the organisation's name",
    "ods_code": "the organisation's ODS code",
    "organisation_address": "the organisation's address and postcode",
    "toolkit_version": "the toolkit version reviewed",
    "reporting_year": "the reporting year, e.g. 2015/16",
    "application_reference": "this recipient's application reference(s)",
    "application_references": "the applications this letter answers",
    "applied_for": "what this reader's applications are for, in words, e.g. 'PCMD data "
                   "(reference PCMD-2016-007)' or 'Choose and Book (reference IGSOC-77120)'",
    "outcome": listed(Outcome),
    "outcome_label": "the outcome in words",
    "actions": "accepted improvement-plan items: requirement, requirement_title, action, "
               "owner, target_date",
    "reasons": "the reasons for a Not Satisfactory outcome",
    "reviewer": "the reviewer who recorded the outcome",
    "signed_off_by": "the senior reviewer who signed off the outcome; empty when nobody did "
                     "(only Not Satisfactory is signed off)",
    "senior_reviewer": "who signs the letter: the senior reviewer who signed off, otherwise "
                       "the reviewer",
    "differing": "the requirements where the reviewer's level differs from the published "
                 "one: requirement, requirement_title, published, reviewed, comment",
    "next_steps": "what happens next, for this outcome and this reader",
    "covers": "organisations that this assessment covers (CAG and DAAG letters only): kind, "
              "name, reference, ods_code",
    "covers_missing": "this group's application references that no cover names (CAG and DAAG "
                      "letters only)",
    "application_type": "lapse letters: the application's type (DARS, S251…)",
    "held_since": "lapse letters: since when the organisation holds the application",
    "deadline": "lapse letters: the 31 March by which it had not published",
    "branches": "a head office's batch: the branches it covers (name, ods_code); empty "
                "for other cases",
    "branches_covered": "the same in a sentence, e.g. High St Pharmacy (FA002), Station Rd "
                        "Pharmacy (FA003); empty for other cases",
}


class TemplateRefused(InvalidInput):
    """An uploaded template is not one the back office will use."""


def sandbox() -> SandboxedEnvironment:
    """Jinja with no way into Python internals; a missing value is an error, not a blank."""
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


# Checking an upload ---------------------------------------------------------------------


def check_package(content: bytes, filename: str) -> None:
    """A genuine .docx: size, zip, Word parts, no macros, no zip bomb."""
    if not filename.lower().endswith(".docx"):
        raise TemplateRefused(f"{filename} is not a .docx file; macro-enabled (.docm) and "
                              "other formats are refused", field="file")
    if len(content) > MAX_TEMPLATE_BYTES:
        raise TemplateRefused(f"{filename} is {len(content) // 1024} KB; templates may be at "
                              f"most {MAX_TEMPLATE_BYTES // (1024 * 1024)} MB", field="file")
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise TemplateRefused(f"{filename} is not a Word document (a .docx is a zip of Word "
                              "parts; this file is not a zip)", field="file")
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        _check_parts(package, filename)
        _check_expansion(package, filename)


def _check_parts(package: zipfile.ZipFile, filename: str) -> None:
    names = package.namelist()
    if len(names) > MAX_ZIP_ENTRIES:
        raise TemplateRefused(f"{filename} holds {len(names)} files; a letter template holds "
                              "a few dozen at most", field="file")
    missing = [part for part in REQUIRED_PARTS if part not in names]
    if missing:
        raise TemplateRefused(f"{filename} is not a Word document: it has no "
                              f"{', '.join(missing)}", field="file")
    content_types = package.read("[Content_Types].xml").decode("utf-8", "replace")
    if any(name.lower().endswith("vbaproject.bin") for name in names) or \
            "macroEnabled" in content_types:
        raise TemplateRefused(f"{filename} contains macros; macro-enabled documents are "
                              "refused", field="file")


def _check_expansion(package: zipfile.ZipFile, filename: str) -> None:
    """Decompress everything with a running cap, whatever the headers claim (zip bombs)."""
    expanded = 0
    for info in package.infolist():
        with package.open(info) as member:
            while chunk := member.read(READ_CHUNK):
                expanded += len(chunk)
                if expanded > MAX_EXPANDED_BYTES:
                    raise TemplateRefused(
                        f"{filename} expands beyond {MAX_EXPANDED_BYTES // (1024 * 1024)} MB "
                        "when unpacked; refused as a possible zip bomb", field="file")


def _names_reaching_internals(ast: nodes.Template) -> list[str]:
    found = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        name = getattr(node, "attr", None) or getattr(node, "name", None)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        if isinstance(name, str) and name.startswith("_"):
            found.append(name)
    return found


# Compiling and filling -------------------------------------------------------------------


@dataclass
class CompiledTemplate:
    """A template ready to fill: the zip's parts, and a Jinja template per filled part."""

    entries: list[tuple[str, bytes]]
    templates: dict[str, object]
    body_frame: tuple[str, str]
    fix_tables: bool
    placeholders: set[str]

    def render(self, context: dict) -> bytes:
        """The filled .docx; the same context gives the same bytes."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
            for name, raw in self.entries:
                data = self._fill(name, context) if name in self.templates else raw
                info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                out.writestr(info, data)
        return buffer.getvalue()

    def _fill(self, name: str, context: dict) -> bytes:
        xml = _finish(self.templates[name].render(context))
        if name == MAIN_PART:
            if self.fix_tables:
                xml = _fix_tables(xml)
            head, tail = self.body_frame
            return (head + xml + tail).encode("utf-8")
        return xml.encode("utf-8")


_HELPER = DocxTemplate.__new__(DocxTemplate)


def _prepare(xml: str) -> str:
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", _HELPER.patch_xml(xml))


def _finish(xml: str) -> str:
    xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    return _HELPER.resolve_listing(xml)


def _fix_tables(xml: str) -> str:
    from lxml import etree

    return etree.tostring(_HELPER.fix_tables(xml), encoding="unicode")


def _split_body(document_xml: str) -> tuple[str, str, str]:
    start = document_xml.index("<w:body")
    end = document_xml.rindex("</w:body>") + len("</w:body>")
    return document_xml[:start], document_xml[start:end], document_xml[end:]


def _body_with_namespaces(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    return _HELPER.xml_to_string(document._element.body)


def compile_template(content: bytes) -> CompiledTemplate:
    """Prepare a template once: parse its Word parts and compile them in the sandbox."""
    env = sandbox()
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        entries = [(info.filename, package.read(info)) for info in package.infolist()]
    sources: dict[str, str] = {}
    fix = False
    frame = ("", "")
    for name, raw in entries:
        if not TEMPLATED_PART.match(name):
            continue
        xml = raw.decode("utf-8")
        if name == MAIN_PART:
            head, _body, tail = _split_body(xml)
            frame = (head, tail)
            xml = _body_with_namespaces(content)
        if "{" in xml:
            fix = fix or any(tag in xml for tag in TABLE_FIX_TAGS)
            sources[name] = _prepare(xml)
    if MAIN_PART not in sources:  # a template with no placeholder still gets a body
        sources[MAIN_PART] = _prepare(_body_with_namespaces(content))
    placeholders: set[str] = set()
    templates = {}
    for name, source in sources.items():
        ast = env.parse(source)
        internals = _names_reaching_internals(ast)
        if internals:
            raise TemplateRefused("the template tries to reach Python internals "
                                  f"({', '.join(sorted(set(internals)))}); refused",
                                  field="file")
        placeholders |= meta.find_undeclared_variables(ast)
        templates[name] = env.from_string(source)
    return CompiledTemplate(entries=entries, templates=templates, body_frame=frame,
                            fix_tables=fix, placeholders=placeholders)


@lru_cache(maxsize=COMPILED_CACHE_SIZE)
def compiled(sha256: str, content: bytes) -> CompiledTemplate:
    """Compiled templates by checksum: a version is compiled once per process."""
    return compile_template(content)


def render(content: bytes, context: dict) -> bytes:
    """Fill a template's content with a context (the letter's data snapshot)."""
    return compiled(hashlib.sha256(content).hexdigest(), content).render(context)


def validate_template(content: bytes, filename: str, samples: list[dict]) -> CompiledTemplate:
    """Refuse anything that is not a safe, working letter template; say why in plain words."""
    check_package(content, filename)
    try:
        template = compile_template(content)
    except TemplateRefused:
        raise
    except TemplateError as error:
        raise TemplateRefused(f"{filename} has a placeholder Jinja cannot read: "
                              f"{error.message}", field="file") from error
    except Exception as error:
        raise TemplateRefused(f"{filename} could not be read as a Word document ({error})",
                              field="file") from error
    unknown = sorted(template.placeholders - set(PLACEHOLDERS))
    if unknown:
        raise TemplateRefused("unknown placeholder(s) " + ", ".join(
            "{{ " + name + " }}" for name in unknown) + "; the placeholders are "
            + ", ".join(sorted(PLACEHOLDERS)), field="file")
    for sample in samples:
        _try_sample(template, filename, sample)
    return template


def _try_sample(template: CompiledTemplate, filename: str, sample_context: dict) -> None:
    try:
        filled = template.render(sample_context)
        Document(io.BytesIO(filled))
    except TemplateError as error:
        raise TemplateRefused(f"{filename} did not render against a sample case: "
                              f"{error.message or error}", field="file") from error
    except Exception as error:
        raise TemplateRefused(f"{filename} did not render against a sample case into a "
                              f"Word document ({error})", field="file") from error
