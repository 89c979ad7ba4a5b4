"""The Salesforce connector with the real simple-salesforce against the sandbox org over loopback HTTP."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from leadstage.connectors.base import AuthenticationFailed, QuotaExhausted, SweepKind, SweepPosition, Update
from tests.conftest import make_sandbox, make_sf_harness


@pytest.fixture
def sf(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, leads=300)
    h = make_sf_harness(tmp_path, box, clock, monkeypatch)
    yield h
    h.connector.close()
    h.store.close()
    box.stop()


def _ids(pages):
    return [c.id for page in pages for c in page.contacts]


def test_a_full_sweep_returns_every_lead_exactly_once_in_keyset_pages(sf):
    sf.connector.settings = dataclasses.replace(sf.connector.settings, page_limit=70)

    pages = list(sf.connector.pull_contacts(SweepPosition(SweepKind.FULL, sf.clock.now())))

    ids = _ids(pages)
    assert len(ids) == len(set(ids)) == len(sf.box.salesforce.records("Lead")) == 300
    assert sf.box.counts()["sf.query"] >= 5  # 300 / 70, plus the COUNT() that decided against Bulk
    assert "sf.bulk.query.create" not in sf.box.counts()


def test_an_incremental_sweep_sees_changes_in_the_window_and_deletions(sf):
    leads = sorted(sf.box.salesforce.records("Lead"))
    since = sf.clock.now()
    sf.clock.advance(minutes=1)
    sf.box.salesforce.update("Lead", leads[3], {"Title": "Chief Revenue Officer"})
    sf.box.salesforce.delete("Lead", leads[9])
    sf.clock.advance(minutes=1)

    pages = list(sf.connector.pull_contacts(SweepPosition(SweepKind.INCREMENTAL, sf.clock.now(), since)))

    assert _ids(pages) == [leads[3]]
    assert pages[0].contacts[0].get("job_title") == "Chief Revenue Officer"
    assert [i for p in pages for i in p.deleted_ids] == [leads[9]]


def test_activities_come_in_chunked_in_lists_and_as_a_stream(sf):
    leads = sorted(sf.box.salesforce.records("Lead"))

    fetched = sf.connector.fetch_activities(leads)
    queries = sf.box.counts()["sf.query"]
    stream = [
        a
        for page in sf.connector.pull_activity_stream(
            SweepPosition(SweepKind.INCREMENTAL, sf.clock.now(), sf.clock.now() - timedelta(days=200))
        )
        for a in page.activities
    ]

    assert queries == 2 * 3  # 300 ids in IN lists of 200, for Task, Event, CampaignMember
    assert {a.kind for a in fetched} >= {"call", "meeting"}
    assert {a.id for a in stream} >= {a.id for a in fetched}


def test_setup_lists_exactly_the_missing_custom_fields(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock)
    box.seed_salesforce(n_leads=10, seed=1, now=clock.now(), with_leadstage_fields=False)
    try:
        h = make_sf_harness(tmp_path, box, clock, monkeypatch)
        report = h.connector.setup()
        check = h.connector.check()

        assert report.created == []
        assert any(
            "Lead > Fields & Relationships > New: Number(18, 0)" in line and "LeadStage_Score__c" in line
            for line in report.instructions
        )
        assert any("Contact" in line for line in report.instructions)  # converted leads are written there
        assert "LeadStage_MQL_Date__c" in {f.crm_name for f in check.missing_fields}
        assert "Nurturing" in check.signal_values["lead_status"]
    finally:
        box.stop()


def test_writes_use_collections_and_report_per_record_failures(sf):
    leads = sorted(sf.box.salesforce.records("Lead"))
    plain = [i for i in leads if not sf.box.salesforce.records("Lead")[i].get("IsConverted")][:3]
    sf.box.salesforce.lock_rows([plain[1]], times=1)
    sf.box.salesforce.lock_rows([plain[2]], times=10)  # held longer than the retries wait

    result = sf.connector.write(
        [Update(plain[0], {"score": "71"}), Update(plain[1], {"grade": "B"}), Update(plain[2], {"grade": "A"})]
    )

    assert set(result.written) == {plain[0], plain[1]}  # the briefly locked row succeeded on a retry
    (failure,) = result.failures
    assert failure.contact_id == plain[2] and "UNABLE_TO_LOCK_ROW" in failure.reason and failure.retryable
    assert sf.box.salesforce.records("Lead")[plain[0]]["LeadStage_Score__c"] == 71


def test_a_converted_lead_is_written_through_its_contact(sf):
    org = sf.box.salesforce
    converted = next(i for i, r in org.records("Lead").items() if r.get("IsConverted"))
    contact_id = org.records("Lead")[converted]["ConvertedContactId"]

    result = sf.connector.write([Update(converted, {"funnel_stage": "sql"})])

    assert list(result.written) == [converted] and result.failures == []
    assert org.records("Contact")[contact_id]["LeadStage_Funnel_Stage__c"] == "sql"
    page = sf.connector.read_contacts([converted])
    assert page.contacts[0].written["funnel_stage"] == "sql"  # read back from the Contact: no echo


def test_bulk_api_reads_and_writes_above_the_threshold(sf):
    sf.connector.settings = dataclasses.replace(sf.connector.settings, bulk_threshold=100)

    pages = list(sf.connector.pull_contacts(SweepPosition(SweepKind.FULL, sf.clock.now())))
    plain = [c.id for p in pages for c in p.contacts if c.get("converted") == "false"][:150]
    result = sf.connector.write([Update(i, {"score": "55", "sla_breached": "false"}) for i in plain])

    counts = sf.box.counts()
    assert len(_ids(pages)) == 300 and counts["sf.bulk.query.create"] == 1
    assert len(result.written) == 150 and counts["sf.bulk.ingest.create"] == 1
    assert "sf.collections" not in counts
    assert all(sf.box.salesforce.records("Lead")[i]["LeadStage_Score__c"] == 55 for i in plain)
    assert sf.clock.sleeps == [] or all(s <= 2.0 for s in sf.clock.sleeps)


def test_an_expired_session_is_renewed_over_http(sf):
    sf.connector.check()
    sf.box.salesforce.expire_sessions()

    sf.connector.read_contacts(sorted(sf.box.salesforce.records("Lead"))[:2])

    assert sf.box.counts()["sf.login"] == 2


def test_the_run_stops_at_the_configured_share_of_the_daily_quota(sf):
    sf.box.salesforce.set_api_usage(12_100)  # of 15,000: past the default 80% share

    with pytest.raises(QuotaExhausted, match="daily API requests"):
        sf.connector.check()  # the first answer's Sforce-Limit-Info stops the second request

    assert sf.box.counts()["sf.describe"] == 1


def test_a_wrong_password_is_an_authentication_error(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, leads=5)
    try:
        h = make_sf_harness(tmp_path, box, clock, monkeypatch)
        monkeypatch.setenv("LEADSTAGE_TEST_SF_PASSWORD", "nope-nope")
        with pytest.raises(AuthenticationFailed, match="INVALID_LOGIN"):
            h.fresh_connector().check()
    finally:
        box.stop()


def test_jwt_login_with_a_key_file_named_by_an_environment_variable(tmp_path, clock, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "jwt.key"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    monkeypatch.setenv("LEADSTAGE_TEST_SF_KEY_FILE", str(key_file))
    monkeypatch.setenv("LEADSTAGE_TEST_SF_CONSUMER_KEY", "sandbox-consumer-key")
    box = make_sandbox(clock, leads=20)
    try:
        h = make_sf_harness(
            tmp_path,
            box,
            clock,
            monkeypatch,
            auth="jwt",
            consumer_key_env="LEADSTAGE_TEST_SF_CONSUMER_KEY",
            private_key_file_env="LEADSTAGE_TEST_SF_KEY_FILE",
        )
        assert h.connector.check().reachable
        assert box.counts()["sf.oauth"] == 1 and "sf.login" not in box.counts()
    finally:
        box.stop()


def test_a_session_id_and_instance_url_skip_the_login(tmp_path, clock, monkeypatch):
    box = make_sandbox(clock, leads=20)
    try:
        monkeypatch.setenv("LEADSTAGE_TEST_SF_SESSION", box.salesforce.issue_session())
        h = make_sf_harness(
            tmp_path,
            box,
            clock,
            monkeypatch,
            auth="session",
            session_id_env="LEADSTAGE_TEST_SF_SESSION",
            instance_url=box.salesforce_instance_url,
        )
        page = h.connector.read_contacts(sorted(box.salesforce.records("Lead"))[:3])
        assert len(page.contacts) == 3
        assert "sf.login" not in box.counts() and "sf.oauth" not in box.counts()
    finally:
        box.stop()
