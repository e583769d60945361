"""``Set-Cookie`` values built from parts checked against RFC 6265 section 4.1; anything else is a ValueError.

``http.cookies`` is not used here: it quotes a bad value instead of refusing it,
takes any Unicode letter in a name, and checks no attribute at all (a path of
``"/; Domain=evil.example"`` went out as a second attribute).
"""

from __future__ import annotations

import datetime
import email.utils
import re

__all__ = ["set_cookie_value"]

# RFC 9110 token (what RFC 6265 calls cookie-name).
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# cookie-value: cookie-octets (printable US-ASCII but space, DQUOTE, comma, semicolon, backslash), maybe in DQUOTEs.
_VALUE = re.compile(r'[!#-+\--:<-\[\]-~]*|"[!#-+\--:<-\[\]-~]*"')
# path-value: any CHAR except CTLs or ";".
_PATH = re.compile(r"[ -:<-~]*")
# RFC 1034 subdomain as relaxed by RFC 1123 (labels may start with a digit), 63 octets a label.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
# rfc1123-date, the only form RFC 6265 lets a server send: "Wed, 21 Oct 2037 07:28:00 GMT".
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) (%s) ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT" % "|".join(_MONTHS)
)
_SAMESITE = frozenset({"lax", "strict", "none"})


def set_cookie_value(
    key: str,
    value: str,
    *,
    max_age: int | None,
    expires: str | datetime.datetime | None,
    path: str,
    domain: str | None,
    secure: bool,
    httponly: bool,
    samesite: str | None,
) -> str:
    """The ``Set-Cookie`` header value; raises ValueError naming the first part that does not fit."""
    if not isinstance(key, str) or not _NAME.fullmatch(key):
        raise ValueError(f"cookie name {key!r} is not an RFC 9110 token (letters, digits and !#$%&'*+-.^_`|~)")
    if not isinstance(value, str) or not _VALUE.fullmatch(value):
        raise ValueError(
            f"cookie value {value!r} holds characters RFC 6265 does not allow (controls, space, "
            "'\"', ',', ';', '\\\\', non-ASCII); encode it first, e.g. with urllib.parse.quote or base64"
        )
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"cookie path {path!r} must start with '/' (browsers ignore any other path)")
    if not _PATH.fullmatch(path):
        raise ValueError(f"cookie path {path!r} may hold printable ASCII only, and no ';'")
    parts = [f"{key}={value}", f"Path={path}"]
    if domain is not None:
        parts.append(f"Domain={_domain(domain)}")
    if max_age is not None:
        if type(max_age) is not int or max_age < 0:
            raise ValueError(f"cookie max_age must be an int of seconds >= 0 (0 expires it), not {max_age!r}")
        parts.append(f"Max-Age={max_age}")
    if expires is not None:
        parts.append(f"Expires={_date(expires)}")
    if samesite is not None:
        if not isinstance(samesite, str) or samesite.lower() not in _SAMESITE:
            raise ValueError(f"cookie samesite must be 'lax', 'strict', 'none' or None, not {samesite!r}")
        samesite = samesite.lower()
        if samesite == "none" and not secure:
            raise ValueError("cookie samesite='none' needs secure=True: browsers reject it otherwise")
    _check_prefix(key, path, domain, secure)
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        parts.append(f"SameSite={samesite}")
    return "; ".join(parts)


def _domain(domain: str) -> str:
    if isinstance(domain, str) and domain.startswith("."):
        raise ValueError(
            f"cookie domain {domain!r}: drop the leading dot (RFC 6265 has none; "
            "a Domain attribute always covers the subdomains)"
        )
    if isinstance(domain, str) and not domain.isascii():
        raise ValueError(f"cookie domain {domain!r}: give its IDNA form, e.g. {domain!r}.encode('idna').decode()")
    if not isinstance(domain, str) or len(domain) > 253 or not _DOMAIN.fullmatch(domain):
        raise ValueError(f"cookie domain {domain!r} is not a host name (RFC 1034 labels joined by '.')")
    return domain


def _date(expires: str | datetime.datetime) -> str:
    if isinstance(expires, datetime.datetime):
        if expires.tzinfo is None or expires.utcoffset() is None:
            raise ValueError("cookie expires: give an aware datetime (with a time zone), not a naive one")
        return email.utils.format_datetime(expires.astimezone(datetime.timezone.utc), usegmt=True)
    match = _DATE.fullmatch(expires) if isinstance(expires, str) else None
    if match is not None:
        day, month, year, hour, minute, second = match.groups()
        try:
            datetime.datetime(int(year), _MONTHS.index(month) + 1, int(day), int(hour), int(minute), int(second))
        except ValueError:
            match = None
    if match is None:
        raise ValueError(
            f"cookie expires {expires!r} is not an RFC 1123 date like 'Wed, 21 Oct 2037 07:28:00 GMT' "
            "(or pass an aware datetime)"
        )
    return expires


def _check_prefix(key: str, path: str, domain: str | None, secure: bool) -> None:
    # Browsers drop cookies whose name prefix promises attributes they lack (RFC 6265bis section 4.1.3).
    lowered = key.lower()
    if lowered.startswith("__secure-") and not secure:
        raise ValueError(f"cookie {key!r}: a __Secure- name needs secure=True")
    if lowered.startswith("__host-") and (not secure or path != "/" or domain is not None):
        raise ValueError(f"cookie {key!r}: a __Host- name needs secure=True, path='/' and no domain")
