"""Open311's two formats. JSON mirrors XML: the root is an array (an object for discovery and a
service definition). XML names the root and the items per call (``services``/``service``,
``service_requests``/``request`` …) and names list items inside an item by ``LIST_ITEMS``."""

from xml.sax.saxutils import escape

from rest_framework.renderers import BaseRenderer, JSONRenderer

# The element of each item inside a list-valued field.
LIST_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


class Open311JSONRenderer(JSONRenderer):
    """UTF-8 JSON, Chinese unescaped."""

    media_type = "application/json"
    format = "json"
    charset = "utf-8"
    ensure_ascii = False


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _element(name: str, value, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append(f"<{name}>")
        for key, item in value.items():
            _element(key, item, out)
        out.append(f"</{name}>")
    elif isinstance(value, list):
        child = LIST_ITEMS.get(name, "item")
        out.append(f"<{name}>")
        for item in value:
            _element(child, item, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_text(value)}</{name}>")


def to_xml(data, root: str, item: str) -> str:
    """``data`` (a list of dicts, or one dict) as an XML document with the given root/item names."""
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    if isinstance(data, dict):
        _element(root, data, out)
    else:
        out.append(f"<{root}>")
        for entry in data:
            _element(item, entry, out)
        out.append(f"</{root}>")
    return "".join(out)


class Open311XMLRenderer(BaseRenderer):
    """XML with the root and item element names of the view (``xml_root``, ``xml_item``), or
    ``errors``/``error`` for an error answer."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response, view = context.get("response"), context.get("view")
        if response is not None and response.status_code >= 400:
            root, item = "errors", "error"
        else:
            root, item = getattr(view, "xml_root", "response"), getattr(view, "xml_item", "item")
        return to_xml(data if data is not None else [], root, item).encode(self.charset)
