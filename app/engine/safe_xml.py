"""Parse diagram XML with entity expansion, DTDs and network access off.

SpiffWorkflow parses with lxml's permissive defaults; we parse first and hand it the tree,
so a file with a DOCTYPE (the carrier of entity attacks such as billion laughs or XXE)
never reaches it.
"""

from __future__ import annotations

from lxml import etree

from app.errors import DiagramError, UnsafeDiagram

_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=False,
)


def parse_xml(text: str | bytes, filename: str) -> etree._ElementTree:
    """Return the parsed document, refusing any DOCTYPE or entity declaration."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise DiagramError(
            f"Tệp {filename} không phải XML hợp lệ (dòng {exc.lineno}): {exc.msg}",
            details={"file": filename, "line": exc.lineno},
        ) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeDiagram(
            f"Tệp {filename} có khai báo DOCTYPE/thực thể XML; sơ đồ không được chứa DTD.",
            details={"file": filename},
        )
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise UnsafeDiagram(
                f"Tệp {filename} dùng thực thể XML (&{node.name};), không được phép.",
                details={"file": filename, "line": node.sourceline},
            )
    return tree
