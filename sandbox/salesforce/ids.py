"""Salesforce record ids: 15-character case-sensitive ids and their 18-character case-safe form.

An id is a 3-character key prefix (00Q Lead, 003 Contact, ...), 12 base-62 characters, and, in the
18-character form, a 3-character suffix that encodes which of the first 15 characters are upper case
(Salesforce's published algorithm). The sandbox numbers records with increasing base-62 sequences, so
ids sort (as plain strings) in creation order.
"""

from __future__ import annotations

import re

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # ASCII order: string order = number order
CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
POD = "5g"  # the two characters after the prefix (an instance/pod marker in real ids)
SEQUENCE_DIGITS = 10
ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")

KEY_PREFIXES = {
    "Lead": "00Q",
    "Contact": "003",
    "Account": "001",
    "User": "005",
    "Organization": "00D",
    "Task": "00T",
    "Event": "00U",
    "Campaign": "701",
    "CampaignMember": "00v",
    "LeadStatus": "01J",
    "QueryLocator": "01g",
    "BulkJob": "750",
}
OBJECT_BY_PREFIX = {prefix: name for name, prefix in KEY_PREFIXES.items()}


def checksum(id15: str) -> str:
    """The 3-character case-safe suffix of a 15-character id."""
    out = []
    for chunk in range(3):
        bits = 0
        for position, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        out.append(CHECKSUM_ALPHABET[bits])
    return "".join(out)


def make_id(prefix: str, sequence: int) -> str:
    """The 18-character id of the `sequence`-th record with this key prefix."""
    digits = []
    for _ in range(SEQUENCE_DIGITS):
        sequence, rest = divmod(sequence, 62)
        digits.append(BASE62[rest])
    id15 = prefix + POD + "".join(reversed(digits))
    return id15 + checksum(id15)


def to_id18(value: object) -> str | None:
    """A well-formed 15- or 18-character id in its 18-character form; None when malformed.

    A 15-character id is case-sensitive; an 18-character one is not: its suffix restores the case of the
    first 15 characters, so "00q5G..." with the right suffix names the same record as "00Q5g...".
    """
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        return None
    if len(value) == 15:
        return value + checksum(value)
    restored = []
    for chunk in range(3):
        bits = CHECKSUM_ALPHABET.find(value[15 + chunk].upper())
        if bits < 0:
            return None
        for position, char in enumerate(value[chunk * 5 : chunk * 5 + 5]):
            restored.append(char.upper() if bits & (1 << position) else char.lower())
    id15 = "".join(restored)
    return id15 + checksum(id15)


def object_of(record_id: str) -> str | None:
    """The object name an id's key prefix stands for (None when unknown)."""
    return OBJECT_BY_PREFIX.get(record_id[:3])
