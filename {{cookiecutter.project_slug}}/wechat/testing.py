# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Build pushes exactly as WeChat's servers do, and read the replies.

Used by the project's tests, and handy in a shell::

    push = PushBuilder(token="...", mode="safe", aes_key="...", app_id="wx...")
    query, body = push.text("你好")
    reply = push.read_reply(response_body)

Signatures, timestamps, nonces and AES follow WeChat's documentation; the
crypto itself is wechatpy's.
"""

import secrets
import time
from urllib.parse import urlencode

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from .checks import valid_aes_key


def new_msg_id():
    """A MsgId no other push shares: random 63 bits, so that processes forked from one parent
    (gunicorn's workers after the master loaded the app) never repeat each other's ids."""
    return secrets.randbits(63)


def signature(*parts):
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def to_xml(fields):
    """``<xml>`` with every value in CDATA, as WeChat sends it (numbers bare)."""
    nodes = []
    for name, value in fields.items():
        if isinstance(value, (int, float)):
            nodes.append(f"<{name}>{value}</{name}>")
        else:
            text = str(value).replace("]]>", "]]]]><![CDATA[>")
            nodes.append(f"<{name}><![CDATA[{text}]]></{name}>")
    return "<xml>" + "".join(nodes) + "</xml>"


class PushBuilder:
    """Pushes from WeChat to the webhook, in ``plain``, ``compatible`` or ``safe`` mode."""

    def __init__(self, token, mode="plain", aes_key="", app_id="", openid="o_test_user", account="gh_test_account"):
        self.token = token
        self.mode = mode
        self.app_id = app_id
        self.openid = openid
        self.account = account
        if mode != "plain" and not valid_aes_key(aes_key):
            raise ValueError(f"{mode} mode needs WECHAT_ENCODING_AES_KEY: the 43 characters from WeChat's admin page")
        self.crypto = WeChatCrypto(token, aes_key, app_id) if mode != "plain" else None

    # -- Message bodies -------------------------------------------------------
    def fields(self, msg_type, create_time=None, **extra):
        fields = {
            "ToUserName": self.account,
            "FromUserName": extra.pop("openid", self.openid),
            "CreateTime": int(time.time()) if create_time is None else create_time,
            "MsgType": msg_type,
        }
        fields.update(extra)
        if msg_type != "event":
            fields.setdefault("MsgId", new_msg_id())
        return fields

    def text_fields(self, content, **extra):
        return self.fields("text", Content=content, **extra)

    def event_fields(self, event, key=None, **extra):
        if key is not None:
            extra["EventKey"] = key
        return self.fields("event", Event=event, **extra)

    # -- Signed requests --------------------------------------------------------
    def sign(self, fields, timestamp=None, nonce=None):
        """``(query_string, body)`` for a push of ``fields``, as WeChat would POST it."""
        openid, account = fields.get("FromUserName", self.openid), fields.get("ToUserName", self.account)
        return self.sign_xml(to_xml(fields), timestamp, nonce, openid=str(openid), account=str(account))

    def sign_xml(self, xml, timestamp=None, nonce=None, openid=None, account=None):
        """``(query_string, body)`` for any plaintext ``<xml>...</xml>``, signed (and sealed) as WeChat would.

        For hostile pushes in tests: duplicated or nested elements, attributes, any text. In
        compatible mode the envelope carries the plaintext elements too, as WeChat's does.
        """
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or str(secrets.randbelow(10**10))
        query = {"signature": signature(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        query["openid"] = self.openid if openid is None else openid
        if self.crypto is None:
            return urlencode(query), xml.encode("utf-8")
        sealed = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        query.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        if self.mode == "compatible" and xml.endswith("</xml>"):
            # The plaintext's elements, then <Encrypt>: "<xml>...<Encrypt>...</Encrypt></xml>".
            envelope = xml[: -len("</xml>")] + to_xml({"Encrypt": sealed["Encrypt"]})[len("<xml>") :]
        else:
            account = self.account if account is None else account
            envelope = to_xml({"ToUserName": account, "Encrypt": sealed["Encrypt"]})
        return urlencode(query), envelope.encode("utf-8")

    def text(self, content, **extra):
        return self.sign(self.text_fields(content, **extra))

    def event(self, event, key=None, **extra):
        return self.sign(self.event_fields(event, key, **extra))

    def url_check(self, echostr="echo-123", timestamp=None, nonce="1234567"):
        """The GET WeChat sends when the server URL is saved."""
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature(self.token, timestamp, nonce)
        return urlencode({"signature": sig, "timestamp": timestamp, "nonce": nonce, "echostr": echostr})

    # -- Replies ----------------------------------------------------------------
    def read_reply(self, body):
        """The reply as a dict (decrypted when encrypted), or ``None`` for ``success``/empty."""
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        if body in ("", "success"):
            return None
        reply = xmltodict.parse(body)["xml"]
        if "Encrypt" in reply:
            if self.crypto is None:
                raise ValueError("encrypted reply, but this PushBuilder has no AES key")
            inner = self.crypto.decrypt_message(reply, reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"])
            reply = xmltodict.parse(inner)["xml"]
        return reply


__all__ = ["PushBuilder", "signature", "to_xml"]
