"""The Open311 POST's form parser: Django's QueryDict, with the percent-decoding done in C.

An Open311 POST is an ``application/x-www-form-urlencoded`` body; a Chinese description of a few
hundred to 4,000 characters arrives as 9 bytes a character (``%E4%B8%AD``), and Django decodes
them in pure Python (``urllib.parse.unquote``): 0.36 ms of CPU for a 3.7 KB body, about a tenth
of what the whole POST costs in Python (benchmarks/open311_post_cpu.py, docs/open311.md). yarl's
query parser (aio-libs, the URL library under aiohttp) decodes the same body in C in 0.06 ms and
gives the same fields (``yarl.query_to_pairs`` is documented as ``parse_qsl(keep_blank_values=
True)``; yarl 1.25 or later: 1.19-1.24 dropped blank values and kept bad UTF-8 escapes as written):
the same rules for ``+``, ``&``, blank values, repeated keys, a bad escape kept as written and a
bad UTF-8 sequence as U+FFFD (tests/test_open311_parsers.py compares the two on generated forms).
A charset other than UTF-8 and a body that is not UTF-8 text go to Django's own parser; more
fields than DATA_UPLOAD_MAX_NUMBER_FIELDS raise TooManyFieldsSent, as Django does for any form.
"""

import codecs

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import QueryDict
from rest_framework import parsers
from yarl import query_to_pairs


class FormParser(parsers.FormParser):
    """DRF's form parser (``application/x-www-form-urlencoded`` → QueryDict), decoding UTF-8
    bodies with yarl. Returns a QueryDict whose lists are those Django's would hold."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        body = stream.read() if stream is not None else b""
        return parse_form(body, encoding)


def parse_form(body: bytes, encoding: str = "utf-8") -> QueryDict:
    """The fields of a urlencoded ``body`` as a QueryDict (mutable: the caller's own copy).
    Raises TooManyFieldsSent beyond DATA_UPLOAD_MAX_NUMBER_FIELDS fields."""
    try:
        text = body.decode("utf-8") if codecs.lookup(encoding).name == "utf-8" else None
    except UnicodeDecodeError:
        text = None
    if text is None:
        return QueryDict(body, mutable=True, encoding=encoding)
    try:
        pairs = query_to_pairs(text, max_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    except ValueError as error:
        raise TooManyFieldsSent("The number of GET/POST parameters exceeded "
                                "settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.") from error
    form = QueryDict(mutable=True, encoding=encoding)
    for key, value in pairs:
        form.appendlist(key, value)
    return form
