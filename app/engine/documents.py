"""Fill the official documents' Word templates from a case's data (docxtpl in a Jinja sandbox).

A process may carry ``documents/``: one .docx per document kind (acceptance notice, decision, …) with
docxtpl tags, and ``documents.json`` declaring each kind's title and legal form per regime. Templates
are edited by analysts, so they are untrusted like diagrams: they run in an immutable sandbox with
autoescape (a value cannot inject WordprocessingML), and ``check_template`` refuses a template naming
a value the context does not provide. The context shows the case as the document must read: option
values by their forms' titles, dates dd/mm/yyyy, the place-date line as Decree 30/2020 writes it,
amounts with dot thousands separators.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.engine.deadlines import regime_for
from app.errors import DiagramError

ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
FIXED_NAMES = ("kind", "title", "legal_form", "regime", "legal_bases", "number", "issued_on", "date_line", "place",
               "issuer", "signer", "recipients")
UNREADABLE = (TemplateError, ValueError, KeyError, zipfile.BadZipFile, PackageNotFoundError)


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document as ``documents.json`` declares it."""

    name: str
    file: str
    title: str
    legal_forms: dict[str, str]  # regime -> the legal form it follows under that regime
    legal_bases: dict[str, list[str]]  # regime -> the «Căn cứ …» lines


@dataclass(frozen=True)
class Issuer:
    """The issuing body as the header and the text name it (Decree 30/2020: body in capitals)."""

    name: str  # "Ủy ban nhân dân tỉnh Gia Lai"
    upper_line: str  # "ỦY BAN NHÂN DÂN" (the governing body, or the body's kind)
    lower_line: str  # "TỈNH GIA LAI"
    head: str  # "Chủ tịch Ủy ban nhân dân tỉnh Gia Lai": who decides
    place: str  # "Gia Lai": the place of the date line


@dataclass(frozen=True)
class Signer:
    name: str
    title: str  # "PHÓ CHỦ TỊCH"
    authority: str = ""  # "KT. CHỦ TỊCH" when signing on the head's behalf


def load_kinds(directory: Path) -> dict[str, DocumentKind]:
    """Read ``documents.json`` of a process's ``documents/`` directory."""
    declared = json.loads((directory / "documents.json").read_text(encoding="utf-8"))
    bases = {regime: list(lines) for regime, lines in declared["legal_bases"].items()}
    return {name: DocumentKind(name, entry["file"], entry["title"], dict(entry["legal_forms"]), bases)
            for name, entry in declared["documents"].items()}


def date_line(day: date) -> str:
    """«ngày 17 tháng 02 năm 2021»: day below 10 and months 1 and 2 with a leading zero (Decree 30/2020, App. I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def amount(value: float) -> str:
    """1200000 → «1.200.000»; 1234.5 → «1.234,5» (Vietnamese separators)."""
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    whole, _, fraction = f"{value:,.2f}".rstrip("0").rstrip(".").partition(".")
    return whole.replace(",", ".") + ("," + fraction if fraction else "")


def document_context(kind: DocumentKind, case_data: Mapping[str, Any], number: str, issued_on: date,
                     issuer: Issuer, signer: Signer,
                     choices: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, Any]:
    """The names a template may use: the case's data as shown to readers plus the document's own facts.

    ``choices`` are the deployment's option titles (``CompiledProcess.labels.choices``).
    :raises DiagramError: the kind is not issued under the regime in force on ``issued_on``.
    """
    regime = regime_for(issued_on)
    if regime not in kind.legal_forms:
        raise DiagramError(f"Văn bản «{kind.title}» không được ban hành theo quy định áp dụng ngày "
                           f"{issued_on:%d/%m/%Y}.", details={"document": kind.name, "regime": regime})
    shown = _shown(case_data, "", choices or {})
    fixed = {
        "kind": kind.name, "title": kind.title, "legal_form": kind.legal_forms[regime], "regime": regime,
        "legal_bases": list(kind.legal_bases.get(regime, [])),
        "number": number, "issued_on": f"{issued_on:%d/%m/%Y}", "date_line": date_line(issued_on),
        "place": issuer.place,
        "issuer": {"name": issuer.name, "upper_line": issuer.upper_line.upper(), "lower_line": issuer.lower_line.upper(),
                   "head": issuer.head, "head_upper": issuer.head.upper()},
        "signer": {"name": signer.name, "title": signer.title.upper(), "authority": signer.authority.upper()},
        "recipients": _recipients(kind.name, shown),
    }
    return {**shown, **fixed}


def deployable_names(field_paths: Iterable[str], messages: Iterable[str] = ()) -> set[str]:
    """What a template may name at deploy, before any case: the document's facts, the forms' fields, the messages.

    ``field_paths`` are the deployment's dotted field paths (``CompiledProcess.labels.titles``); a message's
    payload is kept under the message's name (``CompiledProcess.messages``).
    """
    return set(FIXED_NAMES) | {path.split(".", 1)[0] for path in field_paths} | set(messages)


def _shown(value: Any, path: str, choices: Mapping[str, Mapping[str, str]]) -> Any:
    """Like ``labels.shown_values``, also for integer options, then dates and numbers as a document writes them."""
    if isinstance(value, Mapping):
        return {key: _shown(item, f"{path}.{key}" if path else str(key), choices) for key, item in value.items()}
    if isinstance(value, list):
        return [_shown(item, path, choices) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    titles = choices.get(path)
    if titles and str(value) in titles:
        return titles[str(value)]
    if isinstance(value, int | float):
        return amount(value)
    if isinstance(value, str) and (match := ISO_DATE.match(value)):
        return f"{match[3]}/{match[2]}/{match[1]}"
    return value


def _recipients(kind: str, shown: Mapping[str, Any]) -> list[str]:
    """«Nơi nhận»: those the case sent the document to, else the complainant and the respondent."""
    sent = {"decision": "sending", "termination": "termination_notice", "suspension": "suspension_notice"}.get(kind)
    listed = (shown.get(sent) or {}).get("recipients") if sent else None
    if kind == "termination" and not listed:
        listed = (shown.get("termination") or {}).get("recipients")
    if listed:
        return [str(item.get("name")) if isinstance(item, Mapping) else str(item) for item in listed]
    parties = [(shown.get("complainant") or {}).get("full_name"), (shown.get("respondent") or {}).get("name")]
    return [str(name) for name in parties if name]


def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(autoescape=True)
    env.filters["amount"] = amount
    return env


def template_names(template_bytes: bytes) -> set[str]:
    """The top-level names a template reads."""
    try:
        names: set[str] = DocxTemplate(io.BytesIO(template_bytes)).get_undeclared_template_variables(_environment())
    except UNREADABLE as exc:
        raise DiagramError(f"Mẫu văn bản không đọc được: {exc}") from exc
    return names


def check_template(template_bytes: bytes, provided: Iterable[str], name: str = "") -> None:
    """Refuse a template that names a value the context never provides (a typo would print nothing).

    :raises DiagramError: naming the unknown names.
    """
    unknown = sorted(template_names(template_bytes) - set(provided))
    if unknown:
        raise DiagramError(f"Mẫu văn bản {name} dùng tên không có trong dữ liệu: {', '.join(unknown)}.",
                           details={"document": name, "unknown": unknown})


def render(template_bytes: bytes, context: Mapping[str, Any]) -> bytes:
    """Fill a .docx template; a tag the sandbox refuses (``__class__``, calls on unsafe objects) fails it.

    :raises DiagramError: the template is not a .docx, its tags are malformed or unsafe.
    """
    try:
        template = DocxTemplate(io.BytesIO(template_bytes))
        template.render(dict(context), jinja_env=_environment(), autoescape=True)
    except UNREADABLE as exc:
        raise DiagramError(f"Mẫu văn bản không điền được: {exc}") from exc
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
