"""Followers: the full sync against the fake WeChat server, the subscribe pushes, and the admin's edits."""

import time
from datetime import datetime, timezone

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wechatpy.exceptions import WeChatClientException

from wechat.client import get_client
from wechat.followers import on_event, sync_followers, sync_followers_task, sync_lock
from wechat.models import FollowerSync, WeChatTag, WeChatUser

USER_GET = "cgi-bin/user/get"
BATCHGET = "cgi-bin/user/info/batchget"
REMARK = "cgi-bin/user/info/updateremark"


def rows(app_id):
    return WeChatUser.objects.filter(app_id=app_id)


# -- The sync ---------------------------------------------------------------------------
def test_25000_followers_sync_twice_in_under_a_minute_without_duplicates(fake_wechat, settings, capsys):
    vip = fake_wechat.add_tag("VIP")
    tagged = fake_wechat.add_followers(300, tags=[vip])
    openids = tagged + fake_wechat.add_followers(24700)
    fake_wechat.users[openids[7]]["remark"] = "老客户"
    timings = []
    for _ in range(2):
        calls_before = dict(fake_wechat.calls)
        started = time.monotonic()
        sync = sync_followers()
        timings.append(time.monotonic() - started)
        assert sync.synced == sync.total == 25000
        # 3 pages of at most 10,000 (and the empty one that ends the list), 100 users per batchget
        assert fake_wechat.calls[USER_GET] - calls_before.get(USER_GET, 0) == 4
        assert fake_wechat.calls[BATCHGET] - calls_before.get(BATCHGET, 0) == 250
        users = rows(settings.WECHAT_APP_ID)
        assert users.count() == 25000 and users.values("openid").distinct().count() == 25000
        assert users.filter(subscribed=True).count() == 25000
        assert WeChatUser.tags.through.objects.count() == 300
    with capsys.disabled():
        print(f"\nfollower sync of 25,000: {timings[0]:.1f} s, again {timings[1]:.1f} s")
    assert sum(timings) < 60
    vip_row = WeChatTag.objects.get(app_id=settings.WECHAT_APP_ID, tag_id=vip)
    assert vip_row.name == "VIP" and vip_row.count == 300
    follower = rows(settings.WECHAT_APP_ID).get(openid=openids[7])
    assert follower.remark == "老客户" and follower.subscribed_at == datetime.fromtimestamp(1700000000, timezone.utc)
    assert set(rows(settings.WECHAT_APP_ID).get(openid=tagged[0]).tags.values_list("name", flat=True)) == {"VIP"}


def test_followers_who_left_are_marked_unsubscribed_and_details_are_kept(fake_wechat, settings):
    stay, leave = fake_wechat.add_followers(2)
    sync_followers()
    WeChatUser.objects.filter(openid=stay).update(nickname="小明")  # e.g. from web OAuth: the sync keeps it
    fake_wechat.unsubscribe(leave)
    sync_followers()
    assert dict(rows(settings.WECHAT_APP_ID).values_list("openid", "subscribed")) == {stay: True, leave: False}
    assert rows(settings.WECHAT_APP_ID).get(openid=stay).nickname == "小明"


def test_an_interrupted_sync_continues_where_it_stopped(fake_wechat, settings):
    fake_wechat.add_followers(12000)
    fake_wechat.fail(USER_GET, -1, after=1)  # WeChat is busy when asked for the second page
    with pytest.raises(CommandError, match="errcode -1.*again to continue"):
        call_command("wechat_sync_users")
    progress = FollowerSync.objects.get(app_id=settings.WECHAT_APP_ID)
    assert progress.synced == 10000 and progress.finished_at is None and "-1" in progress.last_error
    batchgets = fake_wechat.calls[BATCHGET]
    call_command("wechat_sync_users")
    assert fake_wechat.calls[BATCHGET] - batchgets == 20  # the second page only: nothing fetched twice
    progress.refresh_from_db()
    assert progress.synced == 12000 and progress.finished_at is not None and progress.last_error == ""
    assert rows(settings.WECHAT_APP_ID).filter(subscribed=True).count() == 12000
    call_command("wechat_sync_users")  # a finished sync starts over
    assert fake_wechat.calls[BATCHGET] - batchgets == 140


def test_a_sync_stopped_inside_a_page_resumes_after_the_last_saved_chunk(fake_wechat, settings):
    fake_wechat.add_followers(3500)
    fake_wechat.fail(BATCHGET, 45009, after=25)  # the 26th call: the third chunk of 1,000
    with pytest.raises(WeChatClientException):
        sync_followers()
    assert FollowerSync.objects.get(app_id=settings.WECHAT_APP_ID).synced == 2000
    batchgets = fake_wechat.calls[BATCHGET]
    assert sync_followers().synced == 3500
    assert fake_wechat.calls[BATCHGET] - batchgets == 15
    assert rows(settings.WECHAT_APP_ID).count() == 3500


def test_one_sync_at_a_time(fake_wechat, settings, admin_client):
    fake_wechat.add_followers(5)
    with sync_lock(settings.WECHAT_APP_ID):  # a sync running elsewhere
        with pytest.raises(CommandError, match="another follower sync is running"):
            call_command("wechat_sync_users")
        assert sync_followers_task.call() is None  # a second task stops at once
        response = admin_client.post("/admin/wechat/wechatuser/", {"action": "sync_all_followers"}, follow=True)
        assert "同步已经在进行中" in response.content.decode()
    assert not rows(settings.WECHAT_APP_ID).exists() and "cgi-bin/user/get" not in fake_wechat.calls
    assert sync_followers_task.call() == 5  # the lock is gone with the sync


def test_the_command_needs_the_official_accounts_credentials(settings, db):
    settings.WECHAT_APP_SECRET = ""
    with pytest.raises(CommandError, match="WECHAT_APP_SECRET"):
        call_command("wechat_sync_users")


# -- Subscribe and unsubscribe pushes -----------------------------------------------------
def test_subscribe_and_unsubscribe_pushes_update_the_row(wechat, settings):
    openid = wechat.push.openid
    assert wechat.send_event("subscribe")["Content"] == "welcome"  # the handler still answers
    follower = WeChatUser.objects.get(app_id=settings.WECHAT_APP_ID, openid=openid)
    assert follower.subscribed and follower.subscribed_at is not None
    assert wechat.send_event("unsubscribe") is None
    follower.refresh_from_db()
    assert not follower.subscribed and follower.unsubscribed_at >= follower.subscribed_at
    wechat.send_event("subscribe", key="qrscene_123")  # by QR code
    follower.refresh_from_db()
    assert follower.subscribed and WeChatUser.objects.count() == 1


def test_a_push_is_one_query_and_other_pushes_none(settings, db):
    fields = {"MsgType": "event", "Event": "subscribe", "FromUserName": "o_new", "CreateTime": "1700000000"}
    with CaptureQueriesContext(connection) as queries:
        on_event(fields)
    assert len([query for query in queries if "wechat_wechatuser" in query["sql"]]) == 1  # one upsert
    assert WeChatUser.objects.get(openid="o_new").subscribed_at == datetime.fromtimestamp(1700000000, timezone.utc)
    with CaptureQueriesContext(connection) as queries:
        on_event({**fields, "Event": "CLICK"})
        on_event({"MsgType": "text", "FromUserName": "o_new", "CreateTime": "1700000000", "Content": "hi"})
    assert len(queries) == 0


def test_a_failing_write_is_logged_and_the_push_still_answered(wechat, caplog):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE wechat_wechatuser RENAME TO wechat_wechatuser_gone")
    assert wechat.send_event("subscribe")["Content"] == "welcome"
    assert "Could not record the subscribe" in caplog.text


# -- The admin ----------------------------------------------------------------------------
@pytest.fixture
def followers(fake_wechat, settings):
    openids = fake_wechat.add_followers(3)
    sync_followers()
    return [WeChatUser.objects.get(app_id=settings.WECHAT_APP_ID, openid=openid) for openid in openids]


def change(admin_client, follower, **data):
    return admin_client.post(f"/admin/wechat/wechatuser/{follower.pk}/change/", {"tags": [], **data, "_save": "1"})


def test_a_remark_edited_in_the_admin_reaches_wechat(admin_client, fake_wechat, followers):
    follower = followers[0]
    assert admin_client.get(f"/admin/wechat/wechatuser/{follower.pk}/change/").status_code == 200
    assert change(admin_client, follower, remark="大客户").status_code == 302
    assert fake_wechat.users[follower.openid]["remark"] == "大客户"
    assert get_client().user.get(follower.openid)["remark"] == "大客户"  # read back from WeChat
    follower.refresh_from_db()
    assert follower.remark == "大客户"
    assert "大客户" in admin_client.get("/admin/wechat/wechatuser/", {"q": "大客户"}).content.decode()


def test_a_remark_wechat_refuses_is_a_form_error_and_the_edit_is_kept(admin_client, fake_wechat, followers, settings):
    follower = followers[0]
    fake_wechat.fail(REMARK, 48001)
    response = change(admin_client, follower, remark="不会保存")
    assert response.status_code == 200
    page = response.content.decode()
    assert "微信拒绝了这次修改" in page and "48001" in page and 'value="不会保存"' in page
    follower.refresh_from_db()
    assert follower.remark == "" and fake_wechat.users[follower.openid]["remark"] == ""
    fake_wechat.unsubscribe(follower.openid)
    assert "已不再关注" in change(admin_client, follower, remark="又一次").content.decode()
    settings.WECHAT_APP_SECRET = "wrong-secret"  # a fresh token is refused: the reason, not a traceback
    fake_wechat.expire_tokens()
    assert "WECHAT_APP_SECRET 不对" in change(admin_client, follower, remark="再一次").content.decode()


def test_tags_assigned_in_bulk_and_on_the_form_reach_wechat(admin_client, fake_wechat, followers):
    vip_id = fake_wechat.add_tag("VIP")
    sync_followers()
    vip = WeChatTag.objects.get(tag_id=vip_id)
    picked = [followers[0].pk, followers[1].pk]
    response = admin_client.post(
        "/admin/wechat/wechatuser/",
        {"action": "add_tag", "tag": vip.pk, "_selected_action": picked, "index": 0},
        follow=True,
    )
    assert "已给 2 位关注者加上标签「VIP」" in response.content.decode()
    assert [fake_wechat.users[f.openid]["tagid_list"] for f in followers] == [[vip_id], [vip_id], []]
    assert set(vip.users.values_list("pk", flat=True)) == set(picked)
    listed = admin_client.get("/admin/wechat/wechatuser/", {"tags__id__exact": vip.pk}).content.decode()
    assert followers[0].openid in listed and followers[2].openid not in listed
    # Untag one on its form: WeChat first, then the row.
    assert change(admin_client, followers[0], remark="", tags=[]).status_code == 302
    assert fake_wechat.users[followers[0].openid]["tagid_list"] == []
    assert list(followers[0].tags.all()) == []
    # No tag picked: a clear message, nothing sent.
    response = admin_client.post(
        "/admin/wechat/wechatuser/", {"action": "add_tag", "_selected_action": picked, "index": 0}, follow=True
    )
    assert "请先在动作旁边的「标签」里选一个标签" in response.content.decode()


def test_a_tag_added_in_the_admin_is_created_on_wechat(admin_client, fake_wechat, settings, db):
    assert admin_client.post("/admin/wechat/wechattag/add/", {"name": "新客"}).status_code == 302
    tag = WeChatTag.objects.get(name="新客")
    assert fake_wechat.tags[tag.tag_id]["name"] == "新客" and tag.app_id == settings.WECHAT_APP_ID
    response = admin_client.post("/admin/wechat/wechattag/add/", {"name": "新客"})
    assert response.status_code == 200 and "已经有同名的标签" in response.content.decode()
    assert WeChatTag.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_sync_action_queues_the_sync_for_the_worker(admin_client, fake_wechat, settings):
    fake_wechat.add_followers(150)
    assert 'value="sync_all_followers"' in admin_client.get("/admin/wechat/wechatuser/").content.decode()  # button
    response = admin_client.post("/admin/wechat/wechatuser/", {"action": "sync_all_followers"}, follow=True)
    assert "已开始同步全部关注者" in response.content.decode()
    assert not rows(settings.WECHAT_APP_ID).exists()  # queued, not run in the request
    call_command("wechat_worker", once=True)
    assert rows(settings.WECHAT_APP_ID).filter(subscribed=True).count() == 150
    page = admin_client.get("/admin/wechat/followersync/").content.decode()
    assert "150" in page


# -- The fake server's follower API ----------------------------------------------------------
@pytest.mark.parametrize(
    "call, errcode",
    [
        (lambda c: c.user.get_followers("o_nobody"), 40003),
        (lambda c: c.user.get_batch([f"o_{n}" for n in range(101)]), 40032),
        (lambda c: c.user.get_batch(["o_nobody"]), 40003),
        (lambda c: c.user.update_remark("o_nobody", "x"), 40003),
        (lambda c: c.tag.create("x" * 31), 45158),
        (lambda c: c.tag.create("星标组"), 45157),
        (lambda c: c.tag.tag_user(12345, "o_nobody"), 45159),
        (lambda c: c.tag.tag_user(2, [f"o_{n}" for n in range(51)]), 40032),
    ],
)
def test_the_fake_refuses_bad_input_as_wechat_does(fake_wechat, call, errcode):
    with pytest.raises(WeChatClientException) as refused:
        call(get_client())
    assert refused.value.errcode == errcode


def test_the_fake_pages_followers_by_next_openid(fake_wechat):
    openids = fake_wechat.add_followers(10001)
    first = get_client().user.get_followers()
    assert (first["total"], first["count"], first["next_openid"]) == (10001, 10000, openids[9999])
    second = get_client().user.get_followers(first["next_openid"])
    assert second["data"]["openid"] == [openids[-1]]
    assert list(get_client().user.iter_followers()) == openids
    assert get_client().tag.get_user_tag(openids[0]) == []
