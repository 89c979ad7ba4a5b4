"""The diff: of the values an evaluation wants in the CRM, the ones it does not hold yet; and what to remember.

Only real changes are written. The CRM's current values of our fields come with each contact, so our own writes,
coming back as changed records, diff to nothing (no echo loop). A read that raced our last write (the CRM answered
with a version older than the one we wrote) is not mistaken for a change.
"""

from __future__ import annotations

from collections.abc import Mapping

from leadstage.connectors.base import Update
from leadstage.mapping.evaluate import Evaluation
from leadstage.mapping.model import Contact
from leadstage.mapping.values import OUTPUT_KINDS, PromotionRule, changed_values, same_value
from leadstage.sync.state import StoredContact


def diff(
    contact: Contact, previous: StoredContact | None, evaluation: Evaluation, promotion: PromotionRule | None
) -> tuple[Update | None, StoredContact]:
    """The update to write (None when the CRM holds every value already) and the contact's state to store."""
    current = dict(contact.written)
    if promotion is not None:
        current[promotion.field] = contact.get(promotion.field) or ""
    changes = changed_values(evaluation.values, current)
    if changes and previous is not None and stale_read(contact, previous, changes):
        changes = {}
    written = {name: value for name, value in evaluation.values.items() if name not in changes}
    if previous is not None and not changes:
        written = {**previous.written, **written}
    record = StoredContact(
        contact_id=contact.id,
        fields=contact.given_fields(),
        activity_marker=contact.activity_marker,
        crm_updated_at=contact.updated_at,
        stage=evaluation.decision.state,
        written=written,
        written_at=previous.written_at if previous else None,
        score=evaluation.score.score,
        grade=evaluation.bant.grade.value,
        temperature=evaluation.temperature.temperature.value,
    )
    if not changes:
        return None, record
    return Update(contact.id, changes, evaluation.clear_first & frozenset(changes)), record


def stale_read(contact: Contact, previous: StoredContact, changes: Mapping[str, str]) -> bool:
    """The CRM answered with a version older than our last write, which already carried these values."""
    if previous.written_at is None or contact.updated_at >= previous.written_at:
        return False
    return all(same_value(OUTPUT_KINDS.get(name), previous.written.get(name), value) for name, value in changes.items())
