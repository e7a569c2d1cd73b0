"""The Open311 form parser (yarl's C decoding) gives the fields Django's QueryDict gives."""

from urllib.parse import quote, urlencode

import pytest
from django.core.exceptions import TooManyFieldsSent
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from zhili.open311.parsers import parse_form

# Field names and values as clients send them: Chinese text, ASCII, the characters urlencoding
# must escape (+ & = % ; space), NUL and other control characters, emoji (4-byte UTF-8).
text = st.text(alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from("+&=%; 中文街道\x00")),
               max_size=40)


def django_lists(body: bytes, encoding: str = "utf-8") -> list:
    return list(QueryDict(body, encoding=encoding).lists())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(text, text), max_size=8))
def test_encoded_forms_give_django_s_fields(pairs):
    body = urlencode(pairs).encode()
    assert list(parse_form(body).lists()) == django_lists(body)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab=&+%;0123456789ACEFz中 "), max_size=60))
def test_malformed_bodies_give_django_s_fields(raw):
    """Bad escapes (%zz, %E4%B8 cut short), stray separators, raw non-ASCII: the same as Django."""
    body = raw.encode()
    assert list(parse_form(body).lists()) == django_lists(body)


@pytest.mark.parametrize("body, expected", [
    (b"description=" + quote("路灯不亮，已经三天了").encode() + b"&service_code=010101",
     [("description", ["路灯不亮，已经三天了"]), ("service_code", ["010101"])]),
    (b"a=%E4%B8&b=%zz", [("a", ["\ufffd"]), ("b", ["%zz"])]),  # cut-short UTF-8, a bad escape
    (b"a=1&a=2&b=&c", [("a", ["1", "2"]), ("b", [""]), ("c", [""])]),
    (b"a=1;b=2", [("a", ["1;b=2"])]),  # only & separates fields (Python 3.10+, Django)
    (b"note=%00x", [("note", ["\x00x"])]),  # kept: the view refuses it by the field's name
])
def test_examples(body, expected):
    assert list(parse_form(body).lists()) == expected


def test_a_body_that_is_not_utf8_and_other_charsets_go_to_django():
    latin = "description=caf\xe9".encode("latin-1")
    assert list(parse_form(latin).lists()) == django_lists(latin)
    gbk = b"description=" + quote("路灯", encoding="gbk").encode()
    assert parse_form(gbk, "gbk")["description"] == "路灯"


def test_too_many_fields_is_refused_as_by_django(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    with pytest.raises(TooManyFieldsSent):
        parse_form(b"&".join(b"f%d=1" % i for i in range(11)))
    assert len(parse_form(b"&".join(b"f%d=1" % i for i in range(10)))) == 10
