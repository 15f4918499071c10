"""Fill the official documents' Word templates from a case's data (docxtpl in a Jinja sandbox).

A process may carry ``documents/``: one .docx per document kind (acceptance notice, decision, …) with
docxtpl tags, and ``documents.json`` declaring each kind: its title, the step that issues it (a user
task, a message or the start event), when, the form fields its number and date fill, and its legal
form per regime. They are deployed with the diagram (a .docx travels base64-encoded among the
deployment's text files), so a case renders with the templates of its own version. Templates are
edited by analysts, so they are untrusted like diagrams: every declaration is checked at deploy, the
zip is bounded before it is opened, and rendering runs in an immutable sandbox with autoescape (a
value cannot inject WordprocessingML), no ``range`` and bounded repetition; ``check_template`` refuses
a template naming a value the context does not provide. The context shows the case as the document must read: option
values by their forms' titles, dates dd/mm/yyyy, the place-date line as Decree 30/2020 writes it,
amounts with dot thousands separators.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import operator
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.engine.deadlines import regime_for
from app.engine.forms import form_fields
from app.errors import DiagramError

ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
FIXED_NAMES = ("kind", "title", "legal_form", "regime", "legal_bases", "number", "issued_on", "date_line", "place",
               "issuer", "signer", "recipients", "officer")
UNREADABLE = (TemplateError, ValueError, KeyError, TypeError, zipfile.BadZipFile, PackageNotFoundError)
DOCUMENTS_DIR = "documents"
DECLARATION = "documents.json"
TEMPLATE_SUFFIX = ".docx"
SOURCES = frozenset({"register"})  # extra lists the services supply to a template that declares them
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024  # a template as deployed (zipped)
MAX_UNZIPPED_BYTES = 30 * 1024 * 1024  # all of a template's parts once unzipped
MAX_REPEAT = 10_000  # the longest text or list a template may build with «*»


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document as ``documents.json`` declares it, with its template once deployed."""

    name: str
    file: str
    title: str
    legal_forms: dict[str, str]  # regime -> the legal form it follows under that regime
    legal_bases: dict[str, list[str]]  # regime -> the «Căn cứ …» lines
    step: str = ""  # the user task, message or start event whose completion issues it
    symbol: str = ""  # the kind's symbol in its number (TB, QĐ, BB…), unless the issuing body sets another
    when: dict[str, Any] = field(default_factory=dict)  # dotted field -> the value the step's data must hold
    number_field: str | None = None  # the step's form field the register's number is written into
    date_field: str | None = None  # the step's form field holding the document's date
    sources: tuple[str, ...] = ()  # extra lists the services supply (``SOURCES``)
    issuer: str | None = None  # the body issuing it when the case names none (``documents.json``'s «issuer»)
    recipients_from: tuple[str, ...] = ()  # dotted paths, each to a name or a list of names/objects with «name»
    recipients: tuple[str, ...] = ()  # fixed «Nơi nhận» lines after those
    template: bytes = field(default=b"", repr=False)
    template_sha256: str = ""

    def applies_to(self, data: Mapping[str, Any]) -> bool:
        """Whether the step's data makes this document (acceptance vs non-acceptance notice)."""
        return all(field_value(data, path) == value for path, value in self.when.items())


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
    """Read ``documents.json`` of a process's ``documents/`` directory, with each kind's template."""
    files = {f"{DOCUMENTS_DIR}/{path.name}": (encode_template(path.read_bytes()) if path.suffix == TEMPLATE_SUFFIX
                                              else path.read_text(encoding="utf-8"))
             for path in directory.iterdir() if path.suffix in (TEMPLATE_SUFFIX, ".json")}
    return declared_kinds(files)


def encode_template(content: bytes) -> str:
    """A template as the deployment keeps it among its text files."""
    return base64.b64encode(content).decode("ascii")


def decode_template(text: str, path: str) -> bytes:
    """:raises DiagramError: the deployed text is not base64 or the template is too large to be one."""
    if len(text) > MAX_TEMPLATE_BYTES * 4 // 3 + 4:
        raise DiagramError(f"Mẫu văn bản {path} lớn quá {MAX_TEMPLATE_BYTES // (1024 * 1024)} MB.")
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DiagramError(f"Mẫu văn bản {path} phải gửi dạng base64 (nội dung tệp .docx).") from exc
    _check_zip(content, path)
    return content


def _check_zip(content: bytes, path: str) -> None:
    """Refuse what is not a .docx, or unzips to more than a template can need (a zip bomb), before opening it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DiagramError(f"Mẫu văn bản {path} không phải tệp .docx.") from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise DiagramError(f"Mẫu văn bản {path} giải nén ra quá {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB.")
    if "word/document.xml" not in names:
        raise DiagramError(f"Mẫu văn bản {path} không phải tệp .docx (thiếu word/document.xml).")


def declared_kinds(files: Mapping[str, str]) -> dict[str, DocumentKind]:
    """The kinds ``documents/documents.json`` declares among a deployment's ``files``, each with its template.

    Paths are matched on their last two segments, so a deployment's repository paths and a bare
    ``documents/`` folder read alike. Only the declaration's own shape is checked here; what it
    says about the diagram and its forms is checked by ``check_kinds``.
    :raises DiagramError: naming the file and the entry.
    """
    by_name = {_tail(path): text for path, text in files.items() if _tail(path).startswith(f"{DOCUMENTS_DIR}/")}
    declaration = by_name.get(f"{DOCUMENTS_DIR}/{DECLARATION}")
    if declaration is None:
        if by_name:
            raise DiagramError(f"Thư mục {DOCUMENTS_DIR}/ có mẫu văn bản nhưng thiếu {DECLARATION}.")
        return {}
    try:
        declared = json.loads(declaration)
        bases = {str(regime): [str(line) for line in lines] for regime, lines in declared["legal_bases"].items()}
        entries = declared["documents"].items()
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise DiagramError(f"{DECLARATION} không đúng cấu trúc (cần «legal_bases» và «documents»).") from exc
    issuer, addressed = declared.get("issuer"), declared.get("recipients_from") or []
    kinds = {str(name): _kind(str(name), entry, bases, by_name, issuer, addressed) for name, entry in entries}
    listed = {f"{DOCUMENTS_DIR}/{kind.file}" for kind in kinds.values()} | {f"{DOCUMENTS_DIR}/{DECLARATION}"}
    stray = sorted(set(by_name) - listed)
    if stray:
        raise DiagramError(f"Tệp không được {DECLARATION} khai báo: {', '.join(stray)}.")
    return kinds


def _tail(path: str) -> str:
    return "/".join(path.split("/")[-2:])


_KEYS = {"file", "title", "step", "legal_forms", "symbol", "when", "number_field", "date_field", "sources",
         "recipients_from", "recipients"}


def _kind(name: str, entry: Any, bases: dict[str, list[str]], files: Mapping[str, str],
          issuer: Any = None, addressed: Any = ()) -> DocumentKind:
    where = f"{DECLARATION}, văn bản «{name}»"
    if not isinstance(entry, dict) or not {"file", "title", "step", "legal_forms", "symbol"} <= set(entry):
        raise DiagramError(f"{where}: cần «file», «title», «step», «legal_forms» và «symbol».")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise DiagramError(f"{where}: khóa không hỗ trợ {', '.join(unknown)}.")
    file = str(entry["file"])
    if not file.endswith(TEMPLATE_SUFFIX) or "/" in file or f"{DOCUMENTS_DIR}/{file}" not in files:
        raise DiagramError(f"{where}: không có tệp mẫu {DOCUMENTS_DIR}/{file}.")
    sources = tuple(entry.get("sources") or ())
    if not set(sources) <= SOURCES:
        raise DiagramError(f"{where}: nguồn dữ liệu không có: {', '.join(sorted(set(sources) - SOURCES))}.")
    when = entry.get("when") or {}
    if not isinstance(when, dict) or not isinstance(entry["legal_forms"], dict) or not entry["legal_forms"]:
        raise DiagramError(f"{where}: «when» và «legal_forms» phải là đối tượng, «legal_forms» không rỗng.")
    recipients_from, recipients = entry.get("recipients_from", addressed), entry.get("recipients") or []
    if not all(isinstance(x, list) and all(isinstance(i, str) for i in x) for x in (recipients_from, recipients)):
        raise DiagramError(f"{where}: «recipients_from» và «recipients» phải là danh sách chuỗi.")
    template = decode_template(files[f"{DOCUMENTS_DIR}/{file}"], f"{DOCUMENTS_DIR}/{file}")
    return DocumentKind(
        name=name, file=file, title=str(entry["title"]),
        legal_forms={str(k): str(v) for k, v in entry["legal_forms"].items()}, legal_bases=bases,
        step=str(entry["step"]), symbol=str(entry["symbol"]), when=dict(when),
        number_field=entry.get("number_field"), date_field=entry.get("date_field"), sources=sources,
        template=template, template_sha256=hashlib.sha256(template).hexdigest(),
        issuer=str(issuer) if issuer else None, recipients_from=tuple(recipients_from), recipients=tuple(recipients),
    )


def check_kinds(kinds: Mapping[str, DocumentKind], step_forms: Mapping[str, Mapping[str, Any]],
                names: Iterable[str], regimes: Iterable[str], task_forms: Iterable[Mapping[str, Any]] = ()) -> None:
    """What each kind says of its diagram holds: its step exists, its fields are the step's, its tags are known.

    ``step_forms`` maps every step that may issue a document (user task, message, start event) to its
    form's JSON Schema; ``names`` are what a template may read (``deployable_names``). The number field
    may also be a read-only field of an earlier step's form (``task_forms``): a plan drafted without a
    number gets it when it is approved.
    :raises DiagramError: naming the kind and what is wrong.
    """
    known_regimes, provided = set(regimes), set(names)
    for kind in kinds.values():
        where = f"Văn bản «{kind.title}» ({DECLARATION})"
        if kind.step not in step_forms:
            raise DiagramError(f"{where}: bước «{kind.step}» không có trong sơ đồ (cần một công việc, "
                               "thông điệp hoặc sự kiện bắt đầu có biểu mẫu).", details={"document": kind.name})
        paths = form_paths(step_forms[kind.step])
        fields = [f for f in (kind.date_field, *kind.when) if f is not None]
        missing = [f for f in fields if f not in paths]
        number_form = _form_with(kind.number_field, step_forms[kind.step], task_forms) if kind.number_field else None
        if kind.number_field and number_form is None:
            missing.append(kind.number_field)
        if missing:
            raise DiagramError(f"{where}: biểu mẫu của bước «{kind.step}» không có trường {', '.join(missing)}.",
                               details={"document": kind.name, "fields": missing})
        if number_form is not None and not _field_schema(number_form, str(kind.number_field)).get("readOnly"):
            raise DiagramError(f"{where}: trường số «{kind.number_field}» phải là «readOnly» (số do sổ đăng ký cấp, "
                               "người dùng không nhập).", details={"document": kind.name})
        if not set(kind.legal_forms) <= known_regimes:
            raise DiagramError(f"{where}: chế độ pháp lý không có: "
                               f"{', '.join(sorted(set(kind.legal_forms) - known_regimes))}.")
        check_template(kind.template, provided | set(kind.sources), kind.file)


def _form_with(path: str, own: Mapping[str, Any], others: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The form holding a field: the step's own first, else another task's."""
    return next((form for form in (own, *others) if path in form_paths(form)), None)


def form_paths(schema: Mapping[str, Any]) -> set[str]:
    """Every dotted field path of a form's JSON Schema (objects' properties, recursively)."""
    return {path for path, _ in form_fields(schema)}


def _field_schema(schema: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    for part in path.split("."):
        schema = (schema.get("properties") or {}).get(part) or {}
    return schema


def field_value(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of the case data (None where any part is missing)."""
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def with_field(data: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``value`` at a dotted path (the objects on the way made or copied)."""
    head, _, rest = path.partition(".")
    result = dict(data)
    if rest:
        inner = data.get(head)
        result[head] = with_field(inner if isinstance(inner, Mapping) else {}, rest, value)
    else:
        result[head] = value
    return result


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
                     choices: Mapping[str, Mapping[str, str]] | None = None, officer: str = "") -> dict[str, Any]:
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
        "recipients": _recipients(kind, shown),
        "officer": {"name": officer},  # who completed the step (the receipt's receiver)
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


def _recipients(kind: DocumentKind, shown: Mapping[str, Any]) -> list[str]:
    """«Nơi nhận»: the names at the declared paths (a name, or a list of names or objects with «name»), then fixed lines."""
    names: list[str] = []
    for path in kind.recipients_from:
        value = field_value(shown, path)
        for item in value if isinstance(value, list) else [value]:
            name = item.get("name") if isinstance(item, Mapping) else item
            if isinstance(name, str) and name.strip() and name not in names:
                names.append(name)
    return [*names, *kind.recipients]


class _TemplateSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox without ``range`` and with «*» and «**» bounded: a template cannot spin or fill memory.

    Loops then run only over the case's own lists, which its forms bound.
    """

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("lũy thừa quá lớn")
            return operator.pow(left, right)
        sizes = [len(x) for x in (left, right) if isinstance(x, str | list | tuple)]
        counts = [x for x in (left, right) if isinstance(x, int) and not isinstance(x, bool)]
        if sizes and counts and sizes[0] * max(counts[0], 0) > MAX_REPEAT:
            raise SecurityError("chuỗi lặp quá dài")
        return operator.mul(left, right)


def _environment() -> ImmutableSandboxedEnvironment:
    env = _TemplateSandbox(autoescape=True)
    env.globals.pop("range", None)
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
