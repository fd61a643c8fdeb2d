# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""A fake WeChat API server on 127.0.0.1, for tests and for local development.

It answers like WeChat's servers do (same paths, same JSON, real error codes,
tokens that expire) and counts the calls to each endpoint::

    with FakeWeChat(app_id="wx123", app_secret="secret") as fake:
        settings.WECHAT_API_BASE_URL = fake.url
        ...
        assert fake.calls["cgi-bin/stable_token"] == 1

Or from the shell, for a local server to talk to:
``python manage.py wechat_fake_server`` (see that command).

Endpoints: cgi-bin/token, cgi-bin/stable_token, cgi-bin/ticket/getticket,
sns/oauth2/access_token, sns/userinfo, sns/jscode2session,
wxa/business/getuserphonenumber, cgi-bin/menu/create|get|delete (create checks
the menu as WeChat does), cgi-bin/material/add_material (multipart upload),
get_materialcount, batchget_material and del_material, cgi-bin/draft/count and
draft/batchget (the draft box),
cgi-bin/message/custom/send, cgi-bin/user/info, cgi-bin/get_current_autoreply_info
(set with ``set_autoreply()``), and the browser page connect/oauth2/authorize.
Followers (``add_followers(25000)`` makes them): cgi-bin/user/get (10,000 a page, by
next_openid), cgi-bin/user/info/batchget (100 a call), cgi-bin/user/info/updateremark,
cgi-bin/tags/get|create, cgi-bin/tags/members/batchtagging|batchuntagging and
cgi-bin/tags/getidlist (a user's tags).
``calls["cgi-bin/stable_token (force_refresh)"]`` counts the forced refreshes
among the ``stable_token`` calls (WeChat allows 20 a day).

Permanent materials live in ``materials``; ``add_material("image", name=...)``
seeds one (``"news"`` with ``articles=[...]``) and returns its media_id.

Every customer-service message it accepts is kept, in order of arrival:
``custom_messages`` holds the payloads as sent, and ``received_messages(touser,
since)`` the same messages as records (``touser``, ``msgtype``, ``content``,
``received_at``, ``payload``). A call ``fail()`` refused is counted in
``calls`` but not kept: the user would not have seen it.

Over HTTP (not counted in ``calls``):
``GET /__fake__/calls`` returns the call counts as JSON,
``GET /__fake__/custom_messages?touser=...&since=...`` the records of the
customer-service messages received (for ``touser``, after the ``received_at``
``since``; both optional), and
``GET /__fake__/login_code?openid=...&appid=...`` a ``wx.login()`` code to log in with.

WeChat Pay API v3 (``FakeWeChat(pay=FakePayMerchant(...), pay_mode="public_key"|"platform_cert")``):
the ``v3/...`` paths and the ``/__fake__/pay/...`` controls are answered by ``fake.pay``
(wechat/fake_pay.py, whose docstring lists them).
"""

import base64
import collections
import email
import email.policy
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

ERRORS = {
    40001: "invalid credential, access_token is invalid or not latest",
    40013: "invalid appid",
    40125: "invalid appsecret",
    40029: "invalid code",
    40163: "code been used",
    41001: "access_token missing",
    42001: "access_token expired",
    40016: "invalid button size",
    46003: "menu no exist",
    45009: "reach max api daily quota limit",
    40003: "invalid openid",
    47001: "data format error",
    -1: "system error",
    45002: "content size out of limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    48001: "api unauthorized",
    40032: "invalid openid list size",
    45157: "invalid tag name: the name already exists",
    45158: "invalid tag name: longer than 30 characters",
    45056: "too many tags",
    45059: "a user can have at most 20 tags",
    45159: "invalid tag id",
    40004: "invalid media type",
    40007: "invalid media_id",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40022: "invalid sub button level",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40113: "unsupported file type",
    41005: "media data missing",
}
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM")
# Menu buttons: the fields each type requires (key types need a key).
MENU_KEY_TYPES = {"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album", "pic_weixin"}
MENU_KEY_TYPES |= {"location_select"}
MENU_FIELD_TYPES = {
    "view": ("url",),
    "miniprogram": ("appid", "pagepath", "url"),
    "media_id": ("media_id",),
    "view_limited": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
}
FOLLOWERS_PAGE = 10000  # cgi-bin/user/get: openids per page
BATCHGET_MAX = 100  # cgi-bin/user/info/batchget: users per call
TAGGING_MAX = 50  # tags/members/batchtagging: openids per call
STABLE_REUSE_MIN = 300  # stable_token hands out the same token until its last 5 minutes
FORCED = "cgi-bin/stable_token (force_refresh)"  # the calls[] key counting forced refreshes


class WeChatError(Exception):
    def __init__(self, errcode):
        super().__init__(errcode)
        self.errcode = errcode


class FakeWeChat:
    """WeChat's API for one or more apps (``apps`` maps app id to secret)."""

    def __init__(
        self,
        app_id="wx_fake_app",
        app_secret="fake-secret",
        *,
        apps=None,
        token_ttl=7200,
        port=0,
        pay=None,
        pay_mode="public_key",
    ):
        self.apps = {app_id: app_secret, **(apps or {})}
        self.pay = None  # WeChat Pay v3 (wechat/fake_pay.py), for a FakePayMerchant given as ``pay``
        if pay is not None:
            from wechat.fake_pay import FakePay  # only in projects with WeChat Pay

            self.pay = FakePay(self, pay, mode=pay_mode)
        self.token_ttl = token_ttl
        self.calls = collections.Counter()
        self.delay = 0.0  # seconds to wait before every answer
        self.failures = collections.defaultdict(collections.deque)  # path -> errcodes to answer next
        self.tokens = {}  # access_token -> {"app_id", "kind" ("stable" or "classic"), "expires_at"}
        self.tickets = {}
        self.oauth_codes = {}  # code -> openid
        self.used_codes = set()
        self.users = {}  # openid -> user info
        self.browser_user = None  # openid the authorize page logs in; None declines
        self.login_codes = {}  # js_code -> {"app_id", "openid", "unionid"}
        self.session_keys = {}  # openid -> the session_key of its last login
        self.phone_codes = {}  # code -> phone number
        self.menu = None
        self.tags = {2: {"id": 2, "name": "星标组"}}  # tag id -> tag; WeChat's own 星标组 is always there
        self._next_tag_id = 100
        self.autoreply_info = empty_autoreply_info()  # what cgi-bin/get_current_autoreply_info answers
        self.menu_id = 0
        self.materials = {}  # media_id -> {"media_id", "type", "name", "url", "articles", "update_time"}
        self.custom_messages = []  # the payloads of the customer-service messages received, in order
        self.custom_records = []  # the same messages as records: see received_messages()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = None

    # -- Lifecycle ----------------------------------------------------------------
    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-wechat", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- Test set-up --------------------------------------------------------------
    def add_user(self, openid=None, nickname="微信用户", unionid=None, headimgurl="https://thirdwx.qlogo.cn/fake/132"):
        openid = openid or "o" + secrets.token_urlsafe(20)
        self.users[openid] = {"openid": openid, "nickname": nickname, "unionid": unionid, "headimgurl": headimgurl}
        return openid

    def oauth_code(self, openid):
        """A code the web OAuth callback can exchange for ``openid``."""
        code = secrets.token_urlsafe(24)
        self.oauth_codes[code] = openid
        return code

    def login_code(self, openid, app_id=None, unionid=None, session_key=None):
        """A ``wx.login()`` code that ``jscode2session`` exchanges for ``openid`` (and a new session_key)."""
        code = secrets.token_urlsafe(24)
        self.login_codes[code] = {
            "app_id": app_id or next(iter(self.apps)),
            "openid": openid,
            "unionid": unionid,
            "session_key": session_key or base64.b64encode(secrets.token_bytes(16)).decode(),
        }
        return code

    def phone_code(self, phone_number):
        code = secrets.token_urlsafe(24)
        self.phone_codes[code] = phone_number
        return code

    def fail(self, path, errcode, times=1, after=0):
        """Answer the next ``times`` calls to ``path`` (e.g. "cgi-bin/menu/get") with ``errcode``.

        ``fail("cgi-bin/message/custom/send", 45015)``: the next customer-service message is refused
        (and not kept); -1 is WeChat's "system busy". ``after=1``: the call after next fails instead
        (``fail("cgi-bin/user/get", -1, after=1)`` refuses the second page of followers).
        """
        self.failures[path].extend([None] * after + [errcode] * times)

    def received_messages(self, touser=None, since=None):
        """The customer-service messages received (for ``touser``; after the time ``since``), oldest first.

        Each is a dict: ``touser``, ``msgtype``, ``content`` (a text message's text; for other types
        the object under the type's name, e.g. ``{"media_id": ...}``), ``received_at`` (Unix time,
        strictly increasing: pass the last one seen as ``since`` to get only newer ones) and
        ``payload`` (the JSON as sent).
        """
        with self._lock:
            return [
                dict(record)
                for record in self.custom_records
                if (touser is None or record["touser"] == touser) and (since is None or record["received_at"] > since)
            ]

    def expire_tokens(self):
        """Every access_token issued so far expires now (WeChat then answers 42001)."""
        for token in self.tokens.values():
            token["expires_at"] = 0

    def revoke_tokens(self):
        """Every access_token issued so far becomes invalid (WeChat then answers 40001)."""
        self.tokens.clear()

    # -- Endpoints ----------------------------------------------------------------
    def token(self, query, body):
        app_id = self._check_app(query)
        return self._issue_token(app_id, "classic", invalidate_others=True)

    def stable_token(self, query, body):
        """Isolated from cgi-bin/token; ``force_refresh`` invalidates the previous stable token."""
        app_id = self._check_app(body)
        if body.get("force_refresh"):
            self.calls[FORCED] += 1
            return self._issue_token(app_id, "stable", invalidate_others=True)
        current = [
            (token, entry)
            for token, entry in self.tokens.items()
            if (entry["app_id"], entry["kind"]) == (app_id, "stable")
            and entry["expires_at"] - time.time() > STABLE_REUSE_MIN
        ]
        if current:
            token, entry = current[-1]
            return {"access_token": token, "expires_in": int(entry["expires_at"] - time.time())}
        return self._issue_token(app_id, "stable", invalidate_others=False)

    def getticket(self, query, body):
        self._check_token(query)
        ticket = "fake-ticket-" + secrets.token_urlsafe(40)
        self.tickets[ticket] = time.time() + 7200
        return {"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": 7200}

    def oauth2_access_token(self, query, body):
        self._check_app(query)
        openid = self._take_code(query.get("code"), self.oauth_codes)
        user = self.users.get(openid, {"openid": openid, "unionid": None})
        answer = {
            "access_token": "fake-web-" + secrets.token_urlsafe(24),
            "expires_in": 7200,
            "refresh_token": secrets.token_urlsafe(24),
            "openid": openid,
            "scope": "snsapi_userinfo",
        }
        if user.get("unionid"):
            answer["unionid"] = user["unionid"]
        return answer

    def userinfo(self, query, body):
        if not query.get("access_token", "").startswith("fake-web-"):
            raise WeChatError(40001)
        user = self.users.get(query.get("openid"))
        if user is None:
            raise WeChatError(40003)
        answer = {"sex": 0, "province": "", "city": "", "country": "", "privilege": [], **user}
        if not answer.get("unionid"):
            answer.pop("unionid")
        return answer

    def jscode2session(self, query, body):
        app_id = self._check_app(query, id_field="appid", secret_field="secret")
        login = self._take_code(query.get("js_code"), self.login_codes)
        if login["app_id"] != app_id:
            raise WeChatError(40029)
        self.session_keys[login["openid"]] = login["session_key"]
        answer = {"openid": login["openid"], "session_key": login["session_key"]}
        if login["unionid"]:
            answer["unionid"] = login["unionid"]
        return answer

    def getuserphonenumber(self, query, body):
        app_id = self._check_token(query)
        phone = self._take_code(body.get("code"), self.phone_codes)
        return {
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": phone,
                "purePhoneNumber": phone.removeprefix("+86"),
                "countryCode": "86",
                "watermark": {"timestamp": int(time.time()), "appid": app_id},
            },
        }

    # -- Menus and materials ------------------------------------------------------
    def menu_create(self, query, body):
        """Checks the menu as WeChat does: the errcode of the first rule broken."""
        self._check_token(query)
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise WeChatError(40016)
        for button in buttons:
            if not isinstance(button, dict):
                raise WeChatError(40017)
            children = button.get("sub_button")
            if children:
                if not isinstance(children, list) or len(children) > 5:
                    raise WeChatError(40023)
                _check_button(button, sub=False, leaf=False)
                for child in children:
                    if not isinstance(child, dict) or child.get("sub_button"):
                        raise WeChatError(40022 if isinstance(child, dict) else 40024)
                    _check_button(child, sub=True, leaf=True)
            else:
                _check_button(button, sub=False, leaf=True)
        self.menu = body
        self.menu_id += 1
        return {"errcode": 0, "errmsg": "ok"}

    def menu_get(self, query, body):
        """Answers as WeChat does: a menuid, and an empty sub_button on buttons without one."""
        self._check_token(query)
        if self.menu is None:
            raise WeChatError(46003)
        buttons = [{**button, "sub_button": button.get("sub_button") or []} for button in self.menu["button"]]
        return {"menu": {"button": buttons, "menuid": self.menu_id}}

    def menu_delete(self, query, body):
        self._check_token(query)
        self.menu = None
        return {"errcode": 0, "errmsg": "ok"}

    def add_material(self, kind="image", name=None, url=None, articles=None, update_time=None):
        """Seed a permanent material (image, voice, video or news) or a draft ("draft"); its media_id."""
        media_id = "fake-media-" + secrets.token_urlsafe(24)
        self.materials[media_id] = {
            "media_id": media_id,
            "type": kind,
            "name": name or f"{kind}-{media_id[-8:]}",
            "url": url or (f"https://mmbiz.qpic.cn/fake/{media_id}/0" if kind == "image" else ""),
            "articles": articles or [],
            "update_time": update_time or int(time.time()),
        }
        return media_id

    def material_add(self, query, body):
        """add_material: a multipart upload (field ``media``) of type image, voice, video or thumb."""
        self._check_token(query)
        kind = query.get("type")
        media = body.get("media")
        if kind not in ("image", "voice", "video", "thumb") or not isinstance(media, dict) or not media["data"]:
            raise WeChatError(40004 if kind not in ("image", "voice", "video", "thumb") else 41005)
        if kind == "image" and not media["data"].startswith(IMAGE_SIGNATURES):
            raise WeChatError(40113)
        media_id = self.add_material("image" if kind == "thumb" else kind, name=media["filename"])
        self.materials[media_id]["data"] = media["data"]
        answer = {"media_id": media_id}
        if kind in ("image", "thumb"):
            answer["url"] = self.materials[media_id]["url"]
        return answer

    def material_count(self, query, body):
        self._check_token(query)
        counts = collections.Counter(material["type"] for material in self.materials.values())
        return {f"{kind}_count": counts[kind] for kind in ("voice", "video", "image", "news")}

    def material_batchget(self, query, body):
        self._check_token(query)
        kind, offset, count = body.get("type"), body.get("offset", 0), body.get("count", 20)
        if kind not in ("image", "voice", "video", "news"):
            raise WeChatError(40004)
        if not (isinstance(offset, int) and isinstance(count, int) and offset >= 0 and 1 <= count <= 20):
            raise WeChatError(47001)
        matching = sorted(
            (material for material in self.materials.values() if material["type"] == kind),
            key=lambda material: -material["update_time"],
        )
        items = []
        for material in matching[offset : offset + count]:
            item = {"media_id": material["media_id"], "update_time": material["update_time"]}
            if kind == "news":
                item["content"] = {
                    "news_item": material["articles"],
                    "create_time": material["update_time"],
                    "update_time": material["update_time"],
                }
            else:
                item.update(name=material["name"], url=material["url"], tags=[])
            items.append(item)
        return {"total_count": len(matching), "item_count": len(items), "item": items}

    def draft_count(self, query, body):
        self._check_token(query)
        return {"total_count": sum(material["type"] == "draft" for material in self.materials.values())}

    def draft_batchget(self, query, body):
        """The draft box, newest first; ``no_content`` leaves out each article's HTML."""
        self._check_token(query)
        offset, count = body.get("offset", 0), body.get("count", 20)
        if not (isinstance(offset, int) and isinstance(count, int) and offset >= 0 and 1 <= count <= 20):
            raise WeChatError(47001)
        drafts = sorted(
            (material for material in self.materials.values() if material["type"] == "draft"),
            key=lambda material: -material["update_time"],
        )
        items = []
        for draft in drafts[offset : offset + count]:
            articles = [
                {key: value for key, value in article.items() if key != "content" or not body.get("no_content")}
                for article in draft["articles"]
            ]
            items.append(
                {"media_id": draft["media_id"], "content": {"news_item": articles}, "update_time": draft["update_time"]}
            )
        return {"total_count": len(drafts), "item_count": len(items), "item": items}

    def material_delete(self, query, body):
        self._check_token(query)
        if self.materials.pop(body.get("media_id"), None) is None:
            raise WeChatError(40007)
        return {"errcode": 0, "errmsg": "ok"}

    # -- End of menus and materials --------------------------------------------------

    def user_info(self, query, body):
        self._check_token(query)
        user = self.users.get(query.get("openid"))
        if user is None:
            raise WeChatError(40003)
        return self._user_info(user)

    def custom_send(self, query, body):
        self._check_token(query)
        if not all(isinstance(body.get(field), str) and body[field] for field in ("touser", "msgtype")):
            raise WeChatError(47001)
        msgtype = body["msgtype"]
        content = body.get(msgtype)
        if msgtype == "text" and isinstance(content, dict):
            content = content.get("content")
        last = self.custom_records[-1]["received_at"] if self.custom_records else 0.0
        self.custom_messages.append(body)
        self.custom_records.append(
            {
                "touser": body["touser"],
                "msgtype": msgtype,
                "content": content,
                "received_at": max(time.time(), last + 1e-6),  # distinct and in order, whatever the clock
                "payload": body,
            }
        )
        return {"errcode": 0, "errmsg": "ok"}

    # -- Followers and tags --------------------------------------------------------
    def add_followers(self, count, tags=(), subscribe_time=1700000000):
        """``count`` new followers (openids in order of subscription), with the tag ids ``tags``; their openids."""
        start = len(self.users)
        openids = [f"o_follower_{start + index:07d}_{secrets.token_hex(4)}" for index in range(count)]
        with self._lock:
            for openid in openids:
                self.users[openid] = {
                    "openid": openid,
                    "nickname": "",
                    "unionid": None,
                    "subscribe": 1,
                    "subscribe_time": subscribe_time,
                    "remark": "",
                    "tagid_list": list(tags),
                }
        return openids

    def unsubscribe(self, openid):
        """``openid`` stops following: out of user/get, ``subscribe: 0`` in user info."""
        with self._lock:
            self.users[openid]["subscribe"] = 0

    def add_tag(self, name):
        """A new tag; its id."""
        with self._lock:
            return self._create_tag(name)["id"]

    def followers(self):
        """The openids of the users who follow now, in order of subscription."""
        return [openid for openid, user in self.users.items() if user.get("subscribe", 1)]

    def user_get(self, query, body):
        self._check_token(query)
        followers = self.followers()
        start = 0
        if query.get("next_openid"):
            try:
                start = followers.index(query["next_openid"]) + 1
            except ValueError:
                raise WeChatError(40003) from None
        page = followers[start : start + FOLLOWERS_PAGE]
        answer = {"total": len(followers), "count": len(page), "next_openid": page[-1] if page else ""}
        if page:  # like WeChat: no "data" once the list is over
            answer["data"] = {"openid": page}
        return answer

    def user_batchget(self, query, body):
        self._check_token(query)
        wanted = body.get("user_list")
        if not isinstance(wanted, list) or not 1 <= len(wanted) <= BATCHGET_MAX:
            raise WeChatError(40032)
        answers = []
        for item in wanted:
            user = self.users.get(item.get("openid")) if isinstance(item, dict) else None
            if user is None:
                raise WeChatError(40003)
            answers.append(self._user_info(user))
        return {"user_info_list": answers}

    def user_updateremark(self, query, body):
        self._check_token(query)
        user = self._follower(body.get("openid"))
        remark = body.get("remark")
        if not isinstance(remark, str) or len(remark) > 30:
            raise WeChatError(47001)
        user["remark"] = remark
        return {"errcode": 0, "errmsg": "ok"}

    def tags_get(self, query, body):
        self._check_token(query)
        counts = collections.Counter(
            tag for user in self.users.values() if user.get("subscribe", 1) for tag in user.get("tagid_list", ())
        )
        return {"tags": [{**tag, "count": counts[tag_id]} for tag_id, tag in sorted(self.tags.items())]}

    def tags_create(self, query, body):
        self._check_token(query)
        name = body.get("tag", {}).get("name") if isinstance(body.get("tag"), dict) else None
        return {"tag": self._create_tag(name)}

    def _create_tag(self, name):
        if not isinstance(name, str) or not name.strip():
            raise WeChatError(47001)
        if len(name) > 30:
            raise WeChatError(45158)
        if any(tag["name"] == name for tag in self.tags.values()):
            raise WeChatError(45157)
        if len(self.tags) >= 100:
            raise WeChatError(45056)
        tag = {"id": self._next_tag_id, "name": name}
        self.tags[tag["id"]] = tag
        self._next_tag_id += 1
        return tag

    def tags_batchtagging(self, query, body):
        for user, tag_id in self._tagging(query, body):
            if tag_id not in user["tagid_list"]:
                if len(user["tagid_list"]) >= 20:
                    raise WeChatError(45059)
                user["tagid_list"].append(tag_id)
        return {"errcode": 0, "errmsg": "ok"}

    def tags_batchuntagging(self, query, body):
        for user, tag_id in self._tagging(query, body):
            if tag_id in user["tagid_list"]:
                user["tagid_list"].remove(tag_id)
        return {"errcode": 0, "errmsg": "ok"}

    def tags_getidlist(self, query, body):
        self._check_token(query)
        return {"tagid_list": list(self._follower(body.get("openid"))["tagid_list"])}

    def _tagging(self, query, body):
        """(user, tag id) for each openid of a batch (un)tagging call, every one checked first."""
        self._check_token(query)
        tag_id = body.get("tagid")
        if tag_id not in self.tags:
            raise WeChatError(45159)
        openids = body.get("openid_list")
        if not isinstance(openids, list) or not 1 <= len(openids) <= TAGGING_MAX:
            raise WeChatError(40032)
        users = [self._follower(openid) for openid in openids]
        for user in users:
            user.setdefault("tagid_list", [])
        return [(user, tag_id) for user in users]

    def _follower(self, openid):
        user = self.users.get(openid) if isinstance(openid, str) else None
        if user is None or not user.get("subscribe", 1):
            raise WeChatError(40003)
        return user

    def _user_info(self, user):
        """user/info's answer for a stored user: only ``subscribe`` and ``openid`` once they have left."""
        if not user.get("subscribe", 1):
            return {"subscribe": 0, "openid": user["openid"]}
        answer = {
            "subscribe": 1,
            "openid": user["openid"],
            "language": "zh_CN",
            "subscribe_time": user.get("subscribe_time", 1700000000),
            "remark": user.get("remark", ""),
            "groupid": 0,
            "tagid_list": list(user.get("tagid_list", ())),
            "subscribe_scene": "ADD_SCENE_QR_CODE",
            "qr_scene": 0,
            "qr_scene_str": "",
        }
        if user.get("unionid"):
            answer["unionid"] = user["unionid"]
        return answer

    def authorize(self, query):
        """The page WeChat shows in its browser: it sends the user straight back."""
        back = {"state": query.get("state", "")}
        if self.browser_user is not None:
            back["code"] = self.oauth_code(self.browser_user)
        redirect_uri = query.get("redirect_uri", "")
        return redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(back)

    # -- Auto-reply settings (公众号后台的自动回复) -----------------------------------------
    def set_autoreply(self, keywords=(), welcome=None, default=None):
        """Set what ``get_current_autoreply_info`` answers.

        ``keywords``: ``(rule_name, [(match_mode "equal"|"contain", keyword), ...], reply)`` tuples;
        ``welcome``/``default`` and each ``reply``: a text, or a reply dict as WeChat gives it
        (``{"type": "img", "content": media_id}``, ``{"type": "news", "news_info": {"list": [...]}}``).
        """
        info = empty_autoreply_info()
        if welcome is not None:
            info["is_add_friend_reply_open"] = 1
            info["add_friend_autoreply_info"] = _reply_info(welcome)
        if default is not None:
            info["is_autoreply_open"] = 1
            info["message_default_autoreply_info"] = _reply_info(default)
        info["keyword_autoreply_info"]["list"] = [
            {
                "rule_name": name,
                "create_time": int(time.time()),
                "reply_mode": "reply_all",
                "keyword_list_info": [{"type": "text", "match_mode": mode, "content": word} for mode, word in words],
                "reply_list_info": [_reply_info(reply)],
            }
            for name, words, reply in keywords
        ]
        with self._lock:
            self.autoreply_info = info

    def get_current_autoreply_info(self, query, body):
        self._check_token(query)
        return json.loads(json.dumps(self.autoreply_info))

    # -- Checks -------------------------------------------------------------------
    def _check_app(self, params, id_field="appid", secret_field="secret"):
        app_id = params.get(id_field)
        if app_id not in self.apps:
            raise WeChatError(40013)
        if params.get(secret_field) != self.apps[app_id]:
            raise WeChatError(40125)
        return app_id

    def _check_token(self, query):
        token = query.get("access_token")
        if not token:
            raise WeChatError(41001)
        entry = self.tokens.get(token)
        if entry is None:
            raise WeChatError(40001)
        if entry["expires_at"] <= time.time():
            raise WeChatError(42001)
        return entry["app_id"]

    def _take_code(self, code, codes):
        if code in self.used_codes:
            raise WeChatError(40163)
        if code not in codes:
            raise WeChatError(40029)
        self.used_codes.add(code)
        return codes.pop(code)

    def _issue_token(self, app_id, kind, invalidate_others):
        if invalidate_others:  # the classic endpoint and a forced stable refresh invalidate the previous token
            for token, entry in list(self.tokens.items()):
                if (entry["app_id"], entry["kind"]) == (app_id, kind):
                    del self.tokens[token]
        token = "fake-token-" + secrets.token_urlsafe(48)
        self.tokens[token] = {"app_id": app_id, "kind": kind, "expires_at": time.time() + self.token_ttl}
        return {"access_token": token, "expires_in": self.token_ttl}

    # -- Dispatch -----------------------------------------------------------------
    ROUTES = {
        ("GET", "cgi-bin/token"): "token",
        ("POST", "cgi-bin/stable_token"): "stable_token",
        ("GET", "cgi-bin/ticket/getticket"): "getticket",
        ("GET", "sns/oauth2/access_token"): "oauth2_access_token",
        ("GET", "sns/userinfo"): "userinfo",
        ("GET", "sns/jscode2session"): "jscode2session",
        ("POST", "wxa/business/getuserphonenumber"): "getuserphonenumber",
        ("POST", "cgi-bin/menu/create"): "menu_create",
        ("GET", "cgi-bin/menu/get"): "menu_get",
        ("GET", "cgi-bin/menu/delete"): "menu_delete",
        ("POST", "cgi-bin/material/add_material"): "material_add",
        ("GET", "cgi-bin/material/get_materialcount"): "material_count",
        ("POST", "cgi-bin/material/batchget_material"): "material_batchget",
        ("POST", "cgi-bin/material/del_material"): "material_delete",
        ("GET", "cgi-bin/draft/count"): "draft_count",
        ("POST", "cgi-bin/draft/batchget"): "draft_batchget",
        ("POST", "cgi-bin/message/custom/send"): "custom_send",
        ("GET", "cgi-bin/user/info"): "user_info",
        ("GET", "cgi-bin/user/get"): "user_get",
        ("POST", "cgi-bin/user/info/batchget"): "user_batchget",
        ("POST", "cgi-bin/user/info/updateremark"): "user_updateremark",
        ("GET", "cgi-bin/tags/get"): "tags_get",
        ("POST", "cgi-bin/tags/create"): "tags_create",
        ("POST", "cgi-bin/tags/members/batchtagging"): "tags_batchtagging",
        ("POST", "cgi-bin/tags/members/batchuntagging"): "tags_batchuntagging",
        ("POST", "cgi-bin/tags/getidlist"): "tags_getidlist",
        ("GET", "cgi-bin/get_current_autoreply_info"): "get_current_autoreply_info",
    }

    def answer(self, method, path, query, body):
        """(status, JSON-able answer) for one API call."""
        name = self.ROUTES.get((method, path))
        if name is None:
            return 404, {"errcode": 404, "errmsg": f"fake WeChat has no {method} {path}"}
        with self._lock:
            self.calls[path] += 1
            try:
                errcode = self.failures[path].popleft() if self.failures[path] else None
                if errcode is not None:
                    raise WeChatError(errcode)
                return 200, getattr(self, name)(query, body)
            except WeChatError as error:
                return 200, {"errcode": error.errcode, "errmsg": ERRORS.get(error.errcode, "error")}


def empty_autoreply_info():
    return {"is_add_friend_reply_open": 0, "is_autoreply_open": 0, "keyword_autoreply_info": {"list": []}}


def _reply_info(reply):
    return {"type": "text", "content": reply} if isinstance(reply, str) else dict(reply)


def _check_button(button, sub, leaf):
    """WeChat's errcode for the first rule a menu button breaks (top level or sub-menu)."""

    def size(value):
        return len(str(value).encode("utf-8"))

    name = button.get("name")
    if not isinstance(name, str) or not name or size(name) > (60 if sub else 16):
        raise WeChatError(40025 if sub else 40018)
    if not leaf:
        return
    kind = button.get("type")
    if kind in MENU_KEY_TYPES:
        key = button.get("key")
        if not isinstance(key, str) or not key or size(key) > 128:
            raise WeChatError(40026 if sub else 40019)
    elif kind in MENU_FIELD_TYPES:
        for field in MENU_FIELD_TYPES[kind]:
            value = button.get(field)
            if not isinstance(value, str) or not value:
                raise WeChatError((40027 if sub else 40020) if field == "url" else (40026 if sub else 40019))
            if field == "url" and (size(value) > 1024 or not value.startswith(("http://", "https://"))):
                raise WeChatError(40027 if sub else 40020)
    else:
        raise WeChatError(40024 if sub else 40017)


def _multipart(content_type, data):
    """The parts of a multipart/form-data body: {name: text, or {"filename", "content_type", "data"}}."""
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + data, policy=email.policy.HTTP
    )
    fields = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            fields[name] = {"filename": part.get_filename(), "content_type": part.get_content_type(), "data": payload}
        else:
            fields[name] = payload.decode("utf-8", "replace")
    return fields


def _handler_for(fake):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

        def _serve(self, method):
            parts = urlsplit(self.path)
            path = parts.path.strip("/")
            query = dict(parse_qsl(parts.query))
            if fake.delay:
                time.sleep(fake.delay)
            if path.startswith(("v3/", "__fake__/pay/")):  # WeChat Pay: wechat/fake_pay.py
                return self._pay(method)
            if path == "connect/oauth2/authorize":
                with fake._lock:
                    fake.calls[path] += 1
                    location = fake.authorize(query)
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if path == "__fake__/calls":
                return self._json(200, dict(fake.calls))
            if path == "__fake__/custom_messages":
                try:
                    since = float(query["since"]) if query.get("since") else None
                except ValueError:
                    return self._json(400, {"error": "since: expected a Unix time such as 1700000000.5"})
                return self._json(200, fake.received_messages(query.get("touser") or None, since))
            if path == "__fake__/login_code":  # for a mini program client you script yourself
                with fake._lock:
                    code = fake.login_code(query.get("openid", "o_fake_mini_user"), app_id=query.get("appid"))
                return self._json(200, {"code": code})
            length = int(self.headers.get("Content-Length") or 0)
            content_type = self.headers.get("Content-Type") or ""
            if content_type.startswith("multipart/form-data"):  # add_material's upload
                body = _multipart(content_type, self.rfile.read(length))
                return self._json(*fake.answer(method, path, query, body))
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._json(200, {"errcode": 47001, "errmsg": ERRORS[47001]})
            self._json(*fake.answer(method, path, query, body if isinstance(body, dict) else {}))

        def _pay(self, method):
            if fake.pay is None:
                return self._json(404, {"code": "NOT_FOUND", "message": "WeChat Pay is off: FakeWeChat(pay=...)"})
            length = self.headers.get("Content-Length") or "0"
            if not length.isascii() or not length.isdigit():
                return self._json(400, {"code": "PARAM_ERROR", "message": "Content-Length: expected a number"})
            body = self.rfile.read(int(length))
            status, headers, payload = fake.pay.handle(method, self.path, self.headers, body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _json(self, status, data):
            payload = json.dumps(data, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args):  # quiet: tests read the counts instead
            pass

    return Handler
