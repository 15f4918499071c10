"""A diagram's instructions for the officer: a small, checked template language, rendered as officers read.

Analysts write ``instructionsForEndUser`` with ``{{ field.path }}`` for a value of the case,
``{% if … %}…{% elif … %}…{% else %}…{% endif %}`` around text that depends on the case (conditions:
names, ``not``, ``and``, ``or``, comparisons with constants), and ``**bold**``. Nothing else: no
calls, filters, loops or attribute tricks. The text is parsed with Jinja's sandboxed environment and
every node checked at deploy (``check_instructions``), so a step never shows template syntax (the
trial found ``{% if filed_in_time %}`` printed on every acceptance page) and never runs code.

Values are shown the way officers read them: an ISO date as dd/mm/yyyy, a moment as dd/mm/yyyy HH:MM,
yes/no as «có»/«không», nothing for an absent value, a list as its items joined.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, Template, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from app.clock import VIETNAM

MAX_LENGTH = 5_000  # characters of one step's instructions
_ALLOWED = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.If, nodes.Name, nodes.Getattr, nodes.Const,
            nodes.Not, nodes.And, nodes.Or, nodes.Compare, nodes.Operand)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# a value's own asterisks, kept apart from the analyst's ``**bold**`` until the text is escaped: the
# formatting is the analyst's, a value (a complainant's name, typed by a citizen) is shown literally.
# NUL never reaches the case's data (the API and the pages refuse control characters).
_VALUE_STAR = "\x00"


class InstructionsRefused(ValueError):
    """Instructions the renderer does not support; the message says what, in Vietnamese."""


def _shown(value: Any) -> str:
    """A value of the case as an officer reads it (Jinja's ``finalize``)."""
    if value is None:
        return ""
    if value is True:
        return "có"
    if value is False:
        return "không"
    if isinstance(value, datetime):
        return (value.astimezone(VIETNAM) if value.tzinfo else value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str):
        return _shown_text(value)
    if isinstance(value, list | tuple):
        return "; ".join(_shown(item) for item in value if not isinstance(item, dict))
    if isinstance(value, dict):
        return ""
    return str(value)


def _shown_literally(value: Any) -> str:
    """A value as shown (``_shown``), its asterisks marked so that ``**`` in it formats nothing."""
    return _shown(value).replace("*", _VALUE_STAR)


def _shown_text(value: str) -> str:
    if _ISO_DATE.fullmatch(value):
        return f"{value[8:10]}/{value[5:7]}/{value[:4]}"
    if len(value) > 10 and _ISO_DATE.match(value) and value[10] == "T":
        try:
            return _shown(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


class _DataOnly(ImmutableSandboxedEnvironment):
    """``a.b`` reads key ``b`` of the case's mapping ``a``, never an attribute (no ``items`` method on a page)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self.getattr(obj, argument) if isinstance(argument, str) else self.undefined(obj=obj)


# the text is escaped whole after rendering (the analyst's words as much as the case's values)
_ENV = _DataOnly(autoescape=False, finalize=_shown_literally, undefined=ChainableUndefined)


def check_instructions(text: str) -> None:
    """Refuse instructions the renderer would print wrongly or that do more than show values."""
    if len(text) > MAX_LENGTH:
        raise InstructionsRefused(f"hướng dẫn dài quá {MAX_LENGTH:,} ký tự".replace(",", "."))
    try:
        tree = _ENV.parse(text)
    except TemplateSyntaxError as exc:
        raise InstructionsRefused(f"cú pháp mẫu hướng dẫn sai ở dòng {exc.lineno}: {exc.message}") from exc
    except RecursionError as exc:
        raise InstructionsRefused("mẫu hướng dẫn lồng nhau quá sâu") from exc
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            raise InstructionsRefused(f"mẫu hướng dẫn không được đọc «{node.attr}» (dòng {node.lineno})")
        if not isinstance(node, _ALLOWED):
            raise InstructionsRefused(
                f"mẫu hướng dẫn chỉ được dùng {{{{ tên trường }}}}, {{% if %}}…{{% else %}}…{{% endif %}} và **đậm**; "
                f"không dùng được «{type(node).__name__}» (dòng {node.lineno})")


@lru_cache(maxsize=512)
def _template(text: str) -> Template:
    """Checked and compiled once per text: a deployment's instructions, rendered on every task page."""
    check_instructions(text)
    return _ENV.from_string(text)


def render_instructions(text: str | None, data: Mapping[str, Any]) -> Markup:
    """The instructions filled from the case's data, escaped, with ``**bold**``; plain text if they do not render."""
    if not text:
        return Markup("")
    try:
        rendered = _template(text).render(dict(data))
    except Exception:  # a deployment older than the check: show the words, never the error or the syntax
        rendered = re.sub(r"\{[{%].*?[%}]\}", "", text)
    formatted = _BOLD.sub(r"<strong>\1</strong>", str(escape(rendered)))
    return Markup(formatted.replace(_VALUE_STAR, "&#42;"))  # noqa: S704 - escaped first
