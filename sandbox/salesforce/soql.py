"""SOQL: a recursive-descent parser (over soql_lexer's tokens) for the subset the sandbox answers.

    SELECT field, Rel.Field, ... | COUNT() | COUNT(field) [alias]
    FROM Object
    [WHERE condition]   -- AND / OR (not mixed without parentheses, as in SOQL), NOT, ( )
                        -- = != < <= > >= LIKE IN (...) NOT IN (...)
    [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...]
    [LIMIT n] [OFFSET n]

Literals: 'strings' with SOQL's escapes (\\n \\r \\t \\b \\f \\" \\' \\\\, and \\% \\_ for LIKE), numbers,
true/false/null, dates (2026-05-01), datetimes (2026-05-01T10:00:00Z, .000, +hh:mm or +hhmm) and the
relative dates TODAY, YESTERDAY, TOMORROW, LAST_N_DAYS:n, NEXT_N_DAYS:n, N_DAYS_AGO:n.
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
    MAX_OFFSET,
    RELATIVE_DATES,
    RELATIVE_N_DATES,
    RESERVED,
    UNSUPPORTED_CLAUSES,
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
    "Negation",
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
    """A value in a condition: kind is string, number, boolean, null, date, datetime or relative."""

    kind: str
    value: Any
    pos: int
    text: str
    literal_wildcards: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Comparison:
    """field op value; for IN / NOT IN, `values` holds the list."""

    field: FieldPath
    op: str  # = != < <= > >= LIKE IN NOT IN
    values: tuple[Literal, ...]
    pos: int


@dataclass(frozen=True)
class Junction:
    """AND / OR of two or more conditions."""

    op: str
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Negation:
    """NOT condition."""

    part: Condition


Condition = Comparison | Junction | Negation


@dataclass(frozen=True)
class OrderItem:
    """One ORDER BY key; `nulls_first` None means SOQL's default (first for ASC, last for DESC)."""

    field: FieldPath
    descending: bool = False
    nulls_first: bool | None = None


@dataclass(frozen=True)
class CountItem:
    """COUNT() or COUNT(field) [alias]."""

    field: FieldPath | None
    alias: str | None
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
    offset: int = 0
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
        if token.kind == "IDENT" and token.value.upper() in UNSUPPORTED_CLAUSES:
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
        if self.accept("OFFSET"):
            query.offset = self.integer("OFFSET", MAX_OFFSET)
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
                inner = None if self.current.value == ")" else self.field_path()
                if not self.punct(")"):
                    self.fail()
                alias = self.advance().value if self.current.kind == "IDENT" and not self.keyword("FROM") else None
                count = CountItem(inner, alias, token.pos)
            else:
                fields.append(self.field_path())
            if not self.punct(","):
                break
        if count is not None and fields:
            detail = "COUNT() and COUNT(field) must be the only element in the SELECT list (no GROUP BY here)"
            raise SoqlError(MALFORMED_QUERY, detail, count.pos)
        return fields, count

    def order_list(self) -> list[OrderItem]:
        items = []
        while True:
            path = self.field_path()
            descending = self.accept("DESC")
            if not descending:
                self.accept("ASC")
            nulls_first = None
            if self.accept("NULLS"):
                if self.accept("FIRST"):
                    nulls_first = True
                else:
                    self.expect("LAST")
                    nulls_first = False
            items.append(OrderItem(path, descending, nulls_first))
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
        if self.accept("NOT"):
            return Negation(self.term())
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
        if self.accept("LIKE"):
            return Comparison(path, "LIKE", (self.literal(),), token.pos)
        negated = self.accept("NOT")
        if self.accept("IN"):
            return Comparison(path, "NOT IN" if negated else "IN", self.literal_list(), token.pos)
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
            kind = token.kind.lower()
            return Literal(kind, token.value, token.pos, token.text, token.literal_wildcards)
        if token.kind == "IDENT":
            word = token.value.upper()
            if word in ("TRUE", "FALSE"):
                return Literal("boolean", word == "TRUE", token.pos, token.text)
            if word == "NULL":
                return Literal("null", None, token.pos, token.text)
            if word in RELATIVE_DATES:
                return Literal("relative", (word, 1), token.pos, token.text)
            if word in RELATIVE_N_DATES and self.punct(":"):
                amount = self.advance()
                if amount.kind != "NUMBER" or not isinstance(amount.value, int) or amount.value < 0:
                    self.fail(amount)
                return Literal("relative", (word, amount.value), token.pos, f"{token.text}:{amount.text}")
        self.fail(token)


def parse(query: str) -> Query:
    """Parse a SOQL query (SoqlError with MALFORMED_QUERY when it can't)."""
    if not query.strip():
        raise SoqlError(MALFORMED_QUERY, "unexpected token: <EOF>", 0)
    return Parser(query).parse()
