"""SOQL: a recursive-descent parser (over soql_lexer's tokens) for the subset the sandbox answers.

    SELECT field, Rel.Field, ... | COUNT()
    FROM Object
    [WHERE condition]   -- AND / OR (not mixed without parentheses, as in SOQL), ( )
                        -- = != < <= > >= IN (...)
    [ORDER BY field [ASC|DESC], ...]
    [LIMIT n]

Literals: 'strings' with SOQL's escapes (\\n \\r \\t \\b \\f \\" \\' \\\\), numbers, true/false/null,
dates (2026-05-01) and datetimes (2026-05-01T10:00:00Z, .000, +hh:mm or +hhmm).
That is what the product's connector, simple-salesforce and the tests send. NOT, LIKE, NOT IN, OFFSET,
NULLS FIRST/LAST, COUNT(field), relative dates (TODAY, LAST_N_DAYS:n, ...), GROUP BY and semi-joins are
refused as MALFORMED_QUERY "not supported by the sandbox" (or as an unexpected token).
Errors are `SoqlError`s that know where they happened and render Salesforce's message format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

from leadstage.sandbox.salesforce.soql_lexer import (
    INVALID_FIELD,
    INVALID_FILTER,
    INVALID_TYPE,
    MALFORMED_QUERY,
    MAX_INT,
    RESERVED,
    UNSUPPORTED_WORDS,
    SoqlError,
    Token,
    tokenize,
)

__all__ = [
    "INVALID_FIELD",
    "INVALID_FILTER",
    "INVALID_TYPE",
    "MALFORMED_QUERY",
    "Comparison",
    "Condition",
    "CountItem",
    "FieldPath",
    "Junction",
    "Literal",
    "OrderItem",
    "Query",
    "SoqlError",
    "parse",
]


# ----- syntax tree ------------
@dataclass(frozen=True)
class FieldPath:
    """A field reference as written: ("Email",) or ("Campaign", "Name")."""

    parts: tuple[str, ...]
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Literal:
    """A value in a condition: kind is string, number, boolean, null, date or datetime."""

    kind: str
    value: Any
    pos: int
    text: str


@dataclass(frozen=True)
class Comparison:
    """field op value; for IN, `values` holds the list."""

    field: FieldPath
    op: str  # = != < <= > >= IN
    values: tuple[Literal, ...]
    pos: int


@dataclass(frozen=True)
class Junction:
    """AND / OR of two or more conditions."""

    op: str
    parts: tuple[Condition, ...]


Condition = Comparison | Junction


@dataclass(frozen=True)
class OrderItem:
    """One ORDER BY key (nulls sort first in ASC order, last in DESC, as in SOQL)."""

    field: FieldPath
    descending: bool = False


@dataclass(frozen=True)
class CountItem:
    """COUNT() in the select list."""

    pos: int


@dataclass
class Query:
    """A parsed SELECT."""

    fields: list[FieldPath]
    object_name: str
    object_pos: int
    where: Condition | None = None
    order: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    count: CountItem | None = None


class Parser:
    """Recursive descent over the token list."""

    def __init__(self, query: str) -> None:
        self.tokens = tokenize(query)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.current
        return token.kind == "IDENT" and token.value.upper() == word

    def accept(self, word: str) -> bool:
        if self.keyword(word):
            self.index += 1
            return True
        return False

    def expect(self, word: str) -> Token:
        if not self.keyword(word):
            self.fail()
        return self.advance()

    def punct(self, char: str) -> bool:
        if self.current.kind == "PUNCT" and self.current.value == char:
            self.index += 1
            return True
        return False

    def fail(self, token: Token | None = None) -> NoReturn:
        token = token or self.current
        shown = "<EOF>" if token.kind == "EOF" else token.text
        if token.kind == "IDENT" and token.value.upper() in UNSUPPORTED_WORDS:
            raise SoqlError(MALFORMED_QUERY, f"unexpected token: {shown} (not supported by the sandbox)", token.pos)
        raise SoqlError(MALFORMED_QUERY, f"unexpected token: {shown}", token.pos)

    def parse(self) -> Query:
        """The whole query."""
        self.expect("SELECT")
        fields, count = self.select_list()
        self.expect("FROM")
        name = self.advance()
        if name.kind != "IDENT" or "." in name.value:
            self.fail(name)
        query = Query(fields, name.value, name.pos, count=count)
        if self.accept("WHERE"):
            query.where = self.condition()
        if self.accept("ORDER"):
            self.expect("BY")
            query.order = self.order_list()
        if self.accept("LIMIT"):
            query.limit = self.integer("LIMIT", MAX_INT)
        if self.current.kind != "EOF":
            self.fail()
        return query

    def integer(self, clause: str, maximum: int) -> int:
        token = self.advance()
        if token.kind != "NUMBER" or not isinstance(token.value, int) or token.value < 0:
            self.fail(token)
        if token.value > maximum:
            detail = f"{clause} value {token.value} is out of range: the maximum is {maximum}"
            raise SoqlError(MALFORMED_QUERY, detail, token.pos)
        return int(token.value)

    def select_list(self) -> tuple[list[FieldPath], CountItem | None]:
        fields: list[FieldPath] = []
        count: CountItem | None = None
        while True:
            token = self.current
            if self.keyword("COUNT") and self.tokens[self.index + 1].value == "(":
                self.index += 2
                if not self.punct(")"):
                    detail = "COUNT(field) is not supported by the sandbox: use COUNT()"
                    raise SoqlError(MALFORMED_QUERY, detail, self.current.pos)
                count = CountItem(token.pos)
            else:
                fields.append(self.field_path())
            if not self.punct(","):
                break
        if count is not None and fields:
            detail = "COUNT() must be the only element in the SELECT list"
            raise SoqlError(MALFORMED_QUERY, detail, count.pos)
        return fields, count

    def order_list(self) -> list[OrderItem]:
        items = []
        while True:
            path = self.field_path()
            descending = self.accept("DESC")
            if not descending:
                self.accept("ASC")
            items.append(OrderItem(path, descending))
            if not self.punct(","):
                return items

    def field_path(self) -> FieldPath:
        token = self.advance()
        if token.kind != "IDENT" or token.value.upper() in RESERVED:
            self.fail(token)
        return FieldPath(tuple(token.value.split(".")), token.pos)

    def condition(self) -> Condition:
        first = self.term()
        parts = [first]
        connective: str | None = None
        while self.keyword("AND") or self.keyword("OR"):
            word = self.current.value.upper()
            if connective is not None and word != connective:
                self.fail()  # SOQL needs parentheses to mix AND and OR
            connective = word
            self.advance()
            parts.append(self.term())
        return first if connective is None else Junction(connective, tuple(parts))

    def term(self) -> Condition:
        if self.punct("("):
            inner = self.condition()
            if not self.punct(")"):
                self.fail()
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        path = self.field_path()
        token = self.current
        if token.kind == "OP":
            self.advance()
            return Comparison(path, token.value, (self.literal(),), token.pos)
        if self.accept("IN"):
            return Comparison(path, "IN", self.literal_list(), token.pos)
        self.fail()

    def literal_list(self) -> tuple[Literal, ...]:
        if not self.punct("("):
            self.fail()
        if self.keyword("SELECT"):
            raise SoqlError(MALFORMED_QUERY, "semi-join subselects are not supported by the sandbox", self.current.pos)
        values = [self.literal()]
        while self.punct(","):
            values.append(self.literal())
        if not self.punct(")"):
            self.fail()
        return tuple(values)

    def literal(self) -> Literal:
        token = self.advance()
        if token.kind in ("STRING", "NUMBER", "DATE", "DATETIME"):
            return Literal(token.kind.lower(), token.value, token.pos, token.text)
        if token.kind == "IDENT":
            word = token.value.upper()
            if word in ("TRUE", "FALSE"):
                return Literal("boolean", word == "TRUE", token.pos, token.text)
            if word == "NULL":
                return Literal("null", None, token.pos, token.text)
        self.fail(token)


def parse(query: str) -> Query:
    """Parse a SOQL query (SoqlError with MALFORMED_QUERY when it can't)."""
    if not query.strip():
        raise SoqlError(MALFORMED_QUERY, "unexpected token: <EOF>", 0)
    return Parser(query).parse()
