"""The webhook WeChat pushes messages and events to: ``/wechat/``.

GET  checks the signature and echoes ``echostr`` (the URL check when you save
     the server configuration).
POST checks ``signature`` (and ``msg_signature`` when encrypted), the
     timestamp and the nonce, decrypts, routes the message to a handler, and
     answers with the (encrypted) reply. See ``wechat.ledger`` for retries
     and replays, ``wechat.router`` for handlers.

Bad input gets a 4xx with a short reason; a handler that raises is logged and
WeChat gets ``success`` so the user never sees "该公众号暂时无法提供服务".
"""

import logging
import re
import time
from urllib.parse import parse_qsl

import xmltodict
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.parser import parse_message
from wechatpy.utils import check_signature

from .conf import app_settings
from .ledger import Verdict, ledger, message_key
from .replies import SUCCESS, make_reply, render
from .router import router
from .slow import run_within_budget, send_late_reply
from .store import UserStore

logger = logging.getLogger("wechat.webhook")
handler_logger = logging.getLogger("wechat.handler")

SIGNATURE = re.compile(r"[0-9a-f]{40}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")
NONCE = re.compile(r"[0-9A-Za-z_-]{1,64}")
MAX_ECHOSTR = 1024
DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


class Rejected(Exception):
    """A push that is refused: ``status`` and a short ``reason`` for the response."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@csrf_exempt
def webhook(request):
    query = dict(parse_qsl(request.META.get("QUERY_STRING", "")))
    try:
        if request.method == "POST":
            return receive(request, query)
        if request.method in ("GET", "HEAD"):
            return verify_url(query)
        raise Rejected(405, "only GET and POST are allowed")
    except Rejected as rejected:
        logger.info("Rejected push: %s", rejected.reason)
        response = HttpResponse(rejected.reason, status=rejected.status, content_type="text/plain; charset=utf-8")
        if rejected.status == 405:
            response["Allow"] = "GET, POST"
        return response


def verify_url(query):
    check_query_signature(query)
    echostr = query.get("echostr", "")
    if not echostr or len(echostr) > MAX_ECHOSTR:
        raise Rejected(400, "missing or oversize echostr")
    return HttpResponse(echostr, content_type="text/plain; charset=utf-8")


def receive(request, query):
    timestamp, nonce = check_query_signature(query)
    check_timestamp(timestamp)
    encrypted = query.get("encrypt_type") == "aes"
    if app_settings.ENCRYPT_MODE == "safe" and not encrypted:
        raise Rejected(403, "plaintext push refused: WECHAT_ENCRYPT_MODE is safe")
    body = read_body(request)
    crypto = make_crypto() if encrypted else None
    if crypto is not None:
        body = decrypt(crypto, body, query.get("msg_signature", ""), timestamp, nonce)
    message, create_time = parse(body)
    key = message_key(message)
    verdict, reply = ledger.claim(timestamp, nonce, key, create_time)
    if verdict == Verdict.REPLAY:
        raise Rejected(403, "replayed push: this timestamp and nonce were already used")
    if verdict == Verdict.NEW:
        reply = handle(message)
        ledger.finish(key, reply)
    if not reply or reply == SUCCESS:
        return HttpResponse(SUCCESS, content_type="text/plain; charset=utf-8")
    if crypto is not None:
        reply = crypto.encrypt_message(reply.decode("utf-8"), nonce, timestamp).encode("utf-8")
    return HttpResponse(reply, content_type="application/xml; charset=utf-8")


def handle(message):
    """The reply body for a message: the handler's reply, or ``success``."""
    message.context = UserStore(f"wechat:context:{message.target}:{message.source}", app_settings.CONTEXT_AGE)
    reply = run_within_budget(run_handler, message, late=send_late_reply)
    try:
        return render(reply)
    except Exception:  # e.g. articles that are not dicts
        handler_logger.exception("The handler's %s reply cannot be rendered", getattr(reply, "type", "?"))
        return SUCCESS


def run_handler(message):
    """The wechatpy reply of the message's handler (None for ``success``), its context saved."""
    try:
        reply = make_reply(router.dispatch(message), message)
    except Exception:
        handler_logger.exception("Handler failed for %s message from %s", message.type, message.source)
        return None  # and the context keeps what it had before this message
    try:
        message.context.save()
    except Exception:
        handler_logger.exception("Could not save the conversation context of %s", message.source)
    return reply


def check_query_signature(query):
    signature = query.get("signature", "")
    timestamp = query.get("timestamp", "")
    nonce = query.get("nonce", "")
    if not (SIGNATURE.fullmatch(signature) and TIMESTAMP.fullmatch(timestamp) and NONCE.fullmatch(nonce)):
        raise Rejected(403, "missing or malformed signature, timestamp or nonce")
    if not app_settings.TOKEN:
        # An empty token would let anyone sign pushes.
        raise Rejected(503, "WECHAT_TOKEN is not configured")
    try:
        check_signature(app_settings.TOKEN, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise Rejected(403, "invalid signature: check WECHAT_TOKEN") from None
    return timestamp, nonce


def check_timestamp(timestamp):
    tolerance = app_settings.TIMESTAMP_TOLERANCE
    if tolerance and abs(time.time() - int(timestamp)) > tolerance:
        raise Rejected(403, "timestamp outside the allowed window: check the server clock")


def read_body(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Rejected(400, "invalid Content-Length") from None
    if length > app_settings.MAX_BODY_SIZE:
        raise Rejected(400, "body too large")
    body = request.body
    if not body.strip():
        raise Rejected(400, "empty body")
    if len(body) > app_settings.MAX_BODY_SIZE:
        raise Rejected(400, "body too large")
    return body


def make_crypto():
    try:
        return WeChatCrypto(app_settings.TOKEN, app_settings.ENCODING_AES_KEY, app_settings.APP_ID)
    except Exception:
        raise Rejected(400, "encrypted push, but WECHAT_ENCODING_AES_KEY is not a valid 43-character key") from None


def decrypt(crypto, body, msg_signature, timestamp, nonce):
    if not SIGNATURE.fullmatch(msg_signature):
        raise Rejected(403, "missing or malformed msg_signature")
    envelope = parse_envelope(body)
    try:
        return crypto.decrypt_message(envelope, msg_signature, timestamp, nonce).encode("utf-8")
    except InvalidSignatureException:
        raise Rejected(403, "invalid msg_signature") from None
    except InvalidAppIdException:
        raise Rejected(400, "encrypted for another AppID: check WECHAT_APP_ID") from None
    except Exception:
        raise Rejected(400, "cannot decrypt: bad base64 or wrong WECHAT_ENCODING_AES_KEY") from None


def refuse_dtd(body):
    # xmltodict already refuses entity declarations; this also keeps DTDs out.
    if DTD.search(body):
        raise Rejected(400, "XML with a DTD or entities is refused")


def parse_envelope(body):
    """The encrypted push's ``<xml>`` as a dict holding ``Encrypt``."""
    refuse_dtd(body)
    try:
        envelope = xmltodict.parse(body)["xml"]
    except Exception:
        raise Rejected(400, "malformed XML") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("Encrypt"), str):
        raise Rejected(400, "encrypted push without Encrypt")
    return envelope


def parse(body):
    """``(message, create_time)``: the wechatpy message for a plaintext body, parsed once."""
    refuse_dtd(body)
    try:
        message = parse_message(body)
        create_time = int(message._data["CreateTime"])
    except Exception:
        raise Rejected(400, "malformed XML, or a message without MsgType or CreateTime") from None
    if not isinstance(message._data.get("FromUserName"), str):
        raise Rejected(400, "message without FromUserName")
    if message.type == "text":
        message._data.setdefault("Content", None)
        if message._data["Content"] is None:  # <Content></Content>
            message._data["Content"] = ""
        if not isinstance(message._data["Content"], str):
            raise Rejected(400, "text message whose Content is not text")
    return message, create_time
