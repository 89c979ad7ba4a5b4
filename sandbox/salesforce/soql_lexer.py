"""SOQL tokens: what the parser reads, and the SoqlError every SOQL problem is reported as.

Strings take SOQL's escapes (\\n \\r \\t \\b \\f \\" \\' \\\\); any other backslash sequence is an error, as
in Salesforce (\\% and \\_ too: they belong to LIKE, which the sandbox does not answer). Numbers, dates and
datetimes are read by small anchored patterns at the current position (never over the whole query).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from leadstage.sandbox.salesforce.values import parse_datetime_text

MALFORMED_QUERY = "MALFORMED_QUERY"
INVALID_FIELD = "INVALID_FIELD"
INVALID_TYPE = "INVALID_TYPE"
INVALID_FILTER = "INVALID_QUERY_FILTER_OPERATOR"
MAX_INT = 2_147_483_647
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
COMPARISON_OPS = ("!=", "<=", ">=", "=", "<", ">")
RESERVED = frozenset(
    {
        "AND",
        "ASC",
        "DESC",
        "EXCLUDES",
        "FIRST",
        "FROM",
        "GROUP",
        "HAVING",
        "IN",
        "INCLUDES",
        "LAST",
        "LIKE",
        "LIMIT",
        "NOT",
        "NULL",
        "NULLS",
        "OR",
        "SELECT",
        "WHERE",
        "WITH",
    }
)
# SOQL the sandbox refuses with "(not supported by the sandbox)": no caller of it sends these.
UNSUPPORTED_WORDS = ("GROUP", "HAVING", "WITH", "FOR", "USING", "TYPEOF", "UPDATE", "OFFSET", "NULLS", "LIKE", "NOT")

_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\dT])")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?(?![\w.])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class SoqlError(Exception):
    """A query the org refuses: an error code, Salesforce's detail text, and the position it points at."""

    def __init__(self, code: str, detail: str, pos: int) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.pos = pos

    def render(self, query: str) -> str:
        """Salesforce's message: the query line, a caret under the error, its row and column, the detail."""
        pos = max(0, min(self.pos, len(query)))
        row = query.count("\n", 0, pos) + 1
        line_start = query.rfind("\n", 0, pos) + 1
        line_end = query.find("\n", pos)
        line = query[line_start : line_end if line_end >= 0 else len(query)]
        column = pos - line_start + 1
        return f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{self.detail}"


@dataclass(frozen=True)
class Token:
    """One lexical token: kind (IDENT, STRING, NUMBER, DATE, DATETIME, OP, PUNCT, EOF), value, position."""

    kind: str
    value: Any
    pos: int
    text: str


def tokenize(query: str) -> list[Token]:
    """The query's tokens, ending with EOF; a MALFORMED_QUERY SoqlError on a character it can't read."""
    tokens: list[Token] = []
    pos, end = 0, len(query)
    while pos < end:
        char = query[pos]
        if char.isspace():
            pos += 1
            continue
        if char == "'":
            token = _string(query, pos)
        elif char in "(),":
            token = Token("PUNCT", char, pos, char)
        elif char in "=!<>":
            op = next((op for op in COMPARISON_OPS if query.startswith(op, pos)), None)
            if op is None:
                raise SoqlError(MALFORMED_QUERY, f"unexpected token: '{char}'", pos)
            token = Token("OP", op, pos, op)
        elif char.isdigit() or (char in "+-" and query[pos + 1 : pos + 2].isdigit()):
            token = _number_or_date(query, pos)
        elif char.isalpha() or char == "_":
            match = _IDENT.match(query, pos)
            assert match is not None
            token = Token("IDENT", match.group(), pos, match.group())
        else:
            raise SoqlError(MALFORMED_QUERY, f"unexpected token: '{char}'", pos)
        tokens.append(token)
        pos = token.pos + len(token.text)
    tokens.append(Token("EOF", None, end, ""))
    return tokens


def _string(query: str, start: int) -> Token:
    chars: list[str] = []
    pos = start + 1
    while pos < len(query):
        char = query[pos]
        if char == "'":
            return Token("STRING", "".join(chars), start, query[start : pos + 1])
        if char == "\\":
            escaped = query[pos + 1 : pos + 2]
            if escaped in ESCAPES:
                chars.append(ESCAPES[escaped])
            else:
                text = query[start : query.find("'", pos + 2) + 1 or len(query)]
                detail = f"Invalid string literal {text}. Illegal character sequence '\\{escaped}' in string literal."
                raise SoqlError(MALFORMED_QUERY, detail, start)
            pos += 2
            continue
        chars.append(char)
        pos += 1
    raise SoqlError(MALFORMED_QUERY, "unexpected token: unterminated string literal", start)


def _number_or_date(query: str, pos: int) -> Token:
    match = _DATETIME.match(query, pos)
    if match:
        stored = parse_datetime_text(match.group())
        if stored is None:
            raise SoqlError(MALFORMED_QUERY, f"line 1:{pos} no viable alternative at '{match.group()}'", pos)
        return Token("DATETIME", stored, pos, match.group())
    match = _DATE.match(query, pos)
    if match:
        try:
            value = date.fromisoformat(match.group()).isoformat()
        except ValueError:
            raise SoqlError(MALFORMED_QUERY, f"line 1:{pos} no viable alternative at '{match.group()}'", pos) from None
        return Token("DATE", value, pos, match.group())
    match = _NUMBER.match(query, pos)
    if not match:
        raise SoqlError(MALFORMED_QUERY, f"unexpected token: '{query[pos : pos + 20].split()[0]}'", pos)
    text = match.group()
    return Token("NUMBER", float(text) if match.group(1) else int(text), pos, text)
