"""Signed WeChat pushes for the benchmark, each one distinct and fresh.

Built here with wechatpy alone (not with the generated project's own test
helpers), so the load does not depend on the code under test. Every push has
its own MsgId and nonce; its timestamp and CreateTime are the second it was
built, so a batch is generated right before the round that sends it.
"""

import hashlib
import itertools
import random
import re
import time
from urllib.parse import urlencode

from wechatpy.crypto import WeChatCrypto

TOKEN = "bench-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx" + "b" * 16
ACCOUNT = "gh_bench_account"
USERS = 1000  # pushes come from this many distinct openids, round robin

# One sequence per process: a MsgId or nonce is never used twice in a run. Numbers
# start from the clock so that two runs against one store do not collide either.
_serial = itertools.count(int(time.time() * 1000) % 10**12 * 1000 + random.randrange(1000))
_ENCRYPT = re.compile(r"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>")
_MSG_SIGNATURE = re.compile(r"<MsgSignature><!\[CDATA\[(.*?)\]\]></MsgSignature>")


def signature(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class Pushes:
    """Text pushes in ``plain`` or ``safe`` (AES) mode, as WeChat sends them."""

    def __init__(self, mode, token=TOKEN, aes_key=AES_KEY, app_id=APP_ID):
        if mode not in ("plain", "safe"):
            raise ValueError(mode)
        self.mode = mode
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id) if mode == "safe" else None

    def one(self, content=None, create_time=None):
        """``(path_and_query, body)`` of a new push; ``content`` defaults to ``bench <serial>``."""
        serial = next(_serial)
        now = int(time.time())
        timestamp, nonce = str(now), str(serial % 10**10)  # WeChat's nonces are about 10 digits
        openid = f"o_bench_user_{serial % USERS:06d}"
        text = f"bench {serial}" if content is None else content
        xml = (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{now if create_time is None else create_time}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
            f"<MsgId>{serial}</MsgId></xml>"
        )
        query = {"signature": signature(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        query["openid"] = openid
        if self.crypto is None:
            return "/wechat/?" + urlencode(query), xml
        sealed = self.crypto.encrypt_message(xml, nonce, timestamp)
        query.update(encrypt_type="aes", msg_signature=_MSG_SIGNATURE.search(sealed).group(1))
        encrypted = _ENCRYPT.search(sealed).group(1)
        body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        return "/wechat/?" + urlencode(query), body

    def write(self, path, count, view="/wechat/"):
        """``count`` new pushes into ``path``, one ``PATH<TAB>BODY`` a line, for requests.lua.

        ``view`` replaces the webhook's path (``/bare/`` for the baseline: same query, same body).
        """
        with open(path, "w", encoding="utf-8") as file:
            for _ in range(count):
                target, body = self.one()
                file.write(f"{view}{target.removeprefix('/wechat/')}\t{body}\n")

    def read_reply(self, body):
        """The reply's ``Content`` (decrypted in safe mode), or ``None`` for ``success``."""
        text = body.decode() if isinstance(body, bytes) else body
        if text in ("", "success"):
            return None
        if self.crypto is not None:
            fields = dict(re.findall(r"<(\w+)><!\[CDATA\[(.*?)\]\]></\1>", text))
            fields.update(re.findall(r"<(TimeStamp)>(\d+)</TimeStamp>", text))
            text = self.crypto.decrypt_message(text, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
        match = re.search(r"<Content><!\[CDATA\[(.*?)\]\]></Content>", text, re.S)
        return match.group(1) if match else text
