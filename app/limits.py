"""How much one request may carry — address, headers, form fields — refused in Vietnamese before any view.

Werkzeug bounds a ``multipart/form-data`` post (``MAX_FORM_PARTS``, ``MAX_FORM_MEMORY_SIZE``) but
reads an ``application/x-www-form-urlencoded`` one whole, however many fields it holds (45,000
dummy fields were read and then scanned once per list row). ``LimitedRequest`` applies both bounds
to that encoding too, counting the fields from the raw bytes before decoding any.

gunicorn answers an over-long request line (``limit_request_line``) or too many headers
(``limit_request_fields``) itself, in English HTML. ``gunicorn.conf.py`` sets those limits above
``MAX_URL`` and ``MAX_HEADERS``, so a request between the two gets our own answer (414, 431), in
Vietnamese and as JSON under ``/api/``; only one beyond gunicorn's limits gets gunicorn's.
"""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import parse_qsl

from flask import Request, abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

MAX_URL = 4_096  # characters of path and query (gunicorn's request line: 8,190)
MAX_HEADERS = 100  # header fields (gunicorn: 200)
MB = 1024 * 1024
OWN_WORDS = frozenset({400, 413, 414, 431})  # statuses our own checks raise with a Vietnamese description


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _too_many_fields(parts: int) -> str:
    return f"Biểu mẫu gửi lên có quá nhiều trường (tối đa {_n(parts)}); hãy tải lại trang và nhập lại."


def _too_large(size: int, parts: int | None) -> str:
    return (f"Biểu mẫu gửi lên quá lớn hoặc có quá nhiều trường (nội dung tối đa {size / MB:g} MB, không kể tệp"
            + (f"; tối đa {_n(parts)} trường)." if parts else ")."))


class LimitedFormDataParser(FormDataParser):
    """Werkzeug's parser, with the part and size bounds applied to url-encoded forms as well."""

    def _parse_urlencoded(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                          options: dict[str, str]) -> Any:
        data = stream.read()
        if self.max_form_memory_size is not None and len(data) > self.max_form_memory_size:
            raise RequestEntityTooLarge(description=_too_large(self.max_form_memory_size, None))
        if self.max_form_parts is not None and data.count(b"&") >= self.max_form_parts:
            raise RequestEntityTooLarge(description=_too_many_fields(self.max_form_parts))
        items = parse_qsl(data.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        return stream, self.cls(items), self.cls()


class LimitedRequest(Request):
    """Flask's request, whose forms are bounded in either encoding and refused in Vietnamese."""

    form_data_parser_class = LimitedFormDataParser

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
        except RequestEntityTooLarge as error:
            self.__dict__["form"], self.__dict__["files"] = MultiDict(), MultiDict()  # parsed once, found too big
            whole_body = self.max_content_length is not None and (self.content_length or 0) > self.max_content_length
            if whole_body or error.description != RequestEntityTooLarge.description:
                raise
            size = self.max_form_memory_size or 0  # a multipart bound of Werkzeug's: parts or a part's size
            raise RequestEntityTooLarge(description=_too_large(size, self.max_form_parts)) from error


def refuse_oversized_requests() -> None:
    """An address or a set of headers beyond what any page or client of ours sends: 414 / 431, in Vietnamese."""
    length = len(request.path) + len(request.query_string)
    if length > MAX_URL:
        abort(414, description=f"Địa chỉ (URL) quá dài: {_n(length)} ký tự, tối đa {_n(MAX_URL)}.")
    if len(request.headers) > MAX_HEADERS:
        abort(431, description=f"Yêu cầu có quá nhiều tiêu đề (header): tối đa {MAX_HEADERS}.")
