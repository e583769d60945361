"""``Response.set_cookie``: every part checked against RFC 6265 section 4.1, refused with ValueError."""

from __future__ import annotations

import datetime
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hornbeam import Response

# RFC 6265 cookie-octet: printable US-ASCII but space, DQUOTE, comma, semicolon and backslash.
COOKIE_OCTETS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '",;\\')
TOKEN_CHARS = "!#$%&'*+-.^_`|~" + string.ascii_letters + string.digits


def cookie(**kwargs: Any) -> str:
    response = Response(b"")
    response.set_cookie(**{"key": "a", "value": "1", **kwargs})
    (header,) = response.headers.getlist("set-cookie")
    return header


def attributes(header: str) -> list[str]:
    return header.split("; ")[1:]


def test_a_path_cannot_smuggle_a_domain_attribute() -> None:
    with pytest.raises(ValueError, match="path"):
        cookie(path="/; Domain=evil.example")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": ""}, "name"),
        ({"key": "a b"}, "name"),
        ({"key": "a=b"}, "name"),
        ({"key": "a;b"}, "name"),
        ({"key": "caf\u00e9"}, "name"),
        ({"key": "a\r\nSet-Cookie: evil"}, "name"),
        ({"value": "x\r\nSet-Cookie: evil=1"}, "value"),
        ({"value": "a;b"}, "value"),
        ({"value": "a b"}, "value"),
        ({"value": "a,b"}, "value"),
        ({"value": 'a"b'}, "value"),
        ({"value": "a\\b"}, "value"),
        ({"value": "caf\u00e9"}, "value"),
        ({"value": '"unclosed'}, "value"),
        ({"path": "/a;b"}, "path"),
        ({"path": "/a\x7fb"}, "path"),
        ({"path": "/a\tb"}, "path"),
        ({"path": "/caf\u00e9"}, "path"),
        ({"path": "relative"}, "must start with '/'"),
        ({"path": ""}, "must start with '/'"),
        ({"domain": "evil.example; Secure"}, "domain"),
        ({"domain": "a b.example"}, "domain"),
        ({"domain": ""}, "domain"),
        ({"domain": ".example.com"}, "leading dot"),
        ({"domain": "example..com"}, "domain"),
        ({"domain": "-example.com"}, "domain"),
        ({"domain": "example-.com"}, "domain"),
        ({"domain": "b\u00fccher.example"}, "IDNA"),
        ({"domain": "a" * 64 + ".example"}, "domain"),
        ({"domain": ("a" * 60 + ".") * 5 + "example"}, "domain"),
        ({"expires": "tomorrow"}, "expires"),
        ({"expires": "Wed, 21 Oct 2037 07:28:00 GMT; Domain=evil.example"}, "expires"),
        ({"expires": "Wed, 32 Oct 2037 07:28:00 GMT"}, "expires"),
        ({"expires": "Wed, 21 Oct 2037 07:28:00 UTC"}, "expires"),
        ({"expires": datetime.datetime(2037, 10, 21, 7, 28)}, "time zone"),
        ({"max_age": "3600"}, "max_age"),
        ({"max_age": 1.5}, "max_age"),
        ({"max_age": True}, "max_age"),
        ({"max_age": -1}, "max_age"),
        ({"samesite": "sometimes"}, "samesite"),
        ({"samesite": "none"}, "secure=True"),
        ({"key": "__Secure-id"}, "__Secure-"),
        ({"key": "__Host-id", "secure": True, "path": "/app"}, "__Host-"),
        ({"key": "__Host-id", "secure": True, "domain": "example.com"}, "__Host-"),
        ({"key": "__Host-id"}, "__Host-"),
    ],
)
def test_invalid_parts_are_refused(kwargs: dict[str, Any], message: str) -> None:
    response = Response(b"")
    with pytest.raises(ValueError, match=message):
        response.set_cookie(**{"key": "a", "value": "1", **kwargs})
    assert response.headers.getlist("set-cookie") == []


def test_every_attribute_in_rfc_form() -> None:
    header = cookie(
        key="session",
        value="abc",
        max_age=3600,
        expires="Wed, 21 Oct 2037 07:28:00 GMT",
        path="/app",
        domain="Example.COM",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    assert header == (
        "session=abc; Path=/app; Domain=Example.COM; Max-Age=3600; "
        "Expires=Wed, 21 Oct 2037 07:28:00 GMT; Secure; HttpOnly; SameSite=strict"
    )


def test_expires_from_an_aware_datetime_is_written_in_gmt() -> None:
    paris = datetime.timezone(datetime.timedelta(hours=2))
    header = cookie(expires=datetime.datetime(2037, 10, 21, 9, 28, tzinfo=paris))
    assert "Expires=Wed, 21 Oct 2037 07:28:00 GMT" in attributes(header)


def test_samesite_none_with_secure_and_quoted_values_and_ip_domains() -> None:
    assert "SameSite=none" in attributes(cookie(samesite="none", secure=True))
    assert cookie(value='"quoted"').startswith('a="quoted"; ')
    assert cookie(value="").startswith("a=; ")
    assert "Domain=127.0.0.1" in attributes(cookie(domain="127.0.0.1"))
    assert "Max-Age=0" in attributes(cookie(max_age=0))


def test_prefixed_names_with_the_attributes_browsers_require() -> None:
    assert cookie(key="__Secure-id", secure=True).startswith("__Secure-id=1; ")
    assert cookie(key="__Host-id", secure=True).startswith("__Host-id=1; Path=/; ")


def test_delete_cookie_takes_the_attributes_that_identify_the_cookie() -> None:
    response = Response(b"")
    response.delete_cookie("__Host-id", secure=True, samesite="none")
    (header,) = response.headers.getlist("set-cookie")
    assert header.startswith("__Host-id=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    assert {"Secure", "SameSite=none"} <= set(attributes(header))
    with pytest.raises(ValueError, match="domain"):
        response.delete_cookie("a", domain="evil.example; Secure")


@given(
    key=st.text(TOKEN_CHARS, min_size=1).filter(lambda k: not k.lower().startswith(("__secure-", "__host-"))),
    value=st.text(COOKIE_OCTETS),
    path=st.text("".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != ";")).map(lambda p: "/" + p),
)
def test_valid_parts_come_back_unchanged(key: str, value: str, path: str) -> None:
    header = cookie(key=key, value=value, path=path, samesite=None)
    assert header == f"{key}={value}; Path={path}"


@given(st.text(min_size=1))
def test_values_are_either_kept_exactly_or_refused(value: str) -> None:
    response = Response(b"")
    try:
        response.set_cookie("a", value, samesite=None)
    except ValueError:
        assert not set(value) <= set(COOKIE_OCTETS) or '"' in value
        return
    assert response.headers["set-cookie"] == f"a={value}; Path=/"
