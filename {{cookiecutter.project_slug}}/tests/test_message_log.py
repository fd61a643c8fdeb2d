"""The message log: one row per accepted push with the answer it got, written after the answer, pruned."""

from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
from django.utils import timezone

from wechat import afterwards, messagelog
from wechat.models import MessageLog

from .conftest import AES_KEY, TOKEN


def rows(openid):
    return list(MessageLog.objects.filter(openid=openid).order_by("pk"))


def test_a_plain_push_is_logged_with_its_reply_and_handler(wechat):
    wechat.send_text("hello log")
    (row,) = rows(wechat.push.openid)
    assert (row.msg_type, row.content, row.outcome, row.encrypted) == ("text", "hello log", "replied", False)
    assert row.handler == "tests.probes.echo"
    assert "echo: hello log" in row.reply and row.reply.startswith("<xml>")
    assert row.fields["Content"] == "hello log" and row.msg_id == str(row.fields["MsgId"])
    assert 0 <= row.latency_ms < 5000
    assert abs(row.received_at - timezone.now()) < timedelta(seconds=10)


def test_an_encrypted_push_is_logged_in_plaintext_without_anything_secret(wechat_in):
    wechat = wechat_in("safe")
    query, body = wechat.push.text("secret-free")
    assert wechat.post(query, body).status_code == 200
    (row,) = rows(wechat.push.openid)
    assert row.encrypted and row.outcome == "replied" and "echo: secret-free" in row.reply
    stored = " ".join(str(value) for value in (row.fields, row.reply, row.content, row.handler))
    assert "Encrypt" not in row.fields
    signed = dict(parse_qsl(query))
    for secret in (TOKEN, AES_KEY, signed["signature"], signed["msg_signature"], signed["nonce"]):
        assert secret not in stored


def test_a_deduplicated_push_is_logged_as_a_retry_with_the_first_reply(wechat):
    fields = wechat.push.text_fields("said twice")
    first = wechat.send(fields)
    assert wechat.send(fields) == first
    original, retry = rows(wechat.push.openid)
    assert (original.outcome, retry.outcome) == ("replied", "duplicate")
    assert retry.reply == original.reply and retry.handler == ""


def test_a_deferred_push_is_logged_with_its_ack(wechat, fake_wechat):
    wechat.send_text("__probe: deferred__")
    (row,) = rows(wechat.push.openid)
    assert (row.outcome, row.handler) == ("deferred", "tests.probes.deferred_reply")
    assert "正在思考…" in row.reply


def test_an_event_without_a_handler_is_logged_as_no_reply(wechat):
    wechat.send_event("VIEW", "https://example.com/")
    (row,) = rows(wechat.push.openid)
    assert (row.msg_type, row.event, row.event_key, row.outcome, row.reply) == (
        "event",
        "VIEW",
        "https://example.com/",
        "no_reply",
        "success",
    )


def test_rejected_pushes_are_not_logged(wechat):
    query, body = wechat.push.text("replayed")
    assert wechat.post(query, body).status_code == 200
    assert wechat.post(query, body).status_code == 403
    assert len(rows(wechat.push.openid)) == 1


def test_zero_days_turns_the_log_off(wechat, wechat_settings):
    wechat_settings.WECHAT_MESSAGE_LOG_DAYS = 0
    wechat.send_text("not logged")
    assert rows(wechat.push.openid) == []


def test_rows_are_written_after_the_answer_with_the_other_batched_writes(wechat, monkeypatch):
    monkeypatch.setitem(afterwards._state, "on", True)  # as under the project's gunicorn worker
    wechat.send_text("batched")
    assert rows(wechat.push.openid) == []
    afterwards.flush_all()  # the worker, idle
    assert [row.content for row in rows(wechat.push.openid)] == ["batched"]


def test_prune_deletes_only_rows_past_the_retention(db, wechat_settings):
    wechat_settings.WECHAT_MESSAGE_LOG_DAYS = 30
    now = timezone.now()
    for age in (31, 29, 0):
        MessageLog.objects.create(
            received_at=now - timedelta(days=age),
            account="gh",
            openid=f"o_prune_{age}",
            msg_type="text",
            fields={},
            outcome="replied",
            latency_ms=1,
        )
    assert messagelog.prune() == 1
    assert sorted(MessageLog.objects.filter(openid__startswith="o_prune_").values_list("openid", flat=True)) == [
        "o_prune_0",
        "o_prune_29",
    ]
    wechat_settings.WECHAT_MESSAGE_LOG_DAYS = 0  # the log off: what is there stays
    assert messagelog.prune() == 0 and MessageLog.objects.filter(openid__startswith="o_prune_").count() == 2


@pytest.mark.django_db
def test_the_admin_lists_searches_and_never_edits_the_log(wechat, admin_client):
    wechat.send_text("find me in the admin")
    listing = admin_client.get("/admin/wechat/messagelog/", {"q": "find me"})
    assert listing.status_code == 200 and "find me in the admin" in listing.content.decode()
    row = rows(wechat.push.openid)[0]
    assert admin_client.get("/admin/wechat/messagelog/add/").status_code == 403
    detail = admin_client.post(f"/admin/wechat/messagelog/{row.pk}/change/", {"content": "edited"})
    assert detail.status_code in (200, 403)
    row.refresh_from_db()
    assert row.content == "find me in the admin"
