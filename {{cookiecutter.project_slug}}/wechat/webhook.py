# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The webhook WeChat pushes messages and events to: ``/wechat/``.

GET  checks the signature and echoes ``echostr`` (the URL check when you save
     the server configuration).
POST checks ``signature`` (and ``msg_signature`` when encrypted), the
     timestamp and the nonce, decrypts, validates every field it reads, claims
     the push (``wechat.ledger``: retries get the first reply, replays a 403),
     runs the message's handler in the request thread (``wechat.router``), and
     answers with the (encrypted) reply. A handler declared ``defer=True`` runs
     in a task instead, and one that overruns WeChat's 5 s has its reply sent
     later (``wechat.deferred``).

Anything a client can send gets a 200 or a 4xx with a short reason, never a
5xx; a handler that raises is logged and WeChat gets ``success`` so the user
never sees "该公众号暂时无法提供服务". In DEBUG only, the response also names the
handler and its exception (``X-WeChat-Handler-Error``), which ``wechat_simulate``
and the dev console show. The one 503 is a shared-store outage
when ``WECHAT_ON_STORE_OUTAGE = "retry"`` asks for it.
"""

import logging
import re
import time
from datetime import timedelta
from urllib.parse import parse_qsl, quote
from xml.etree import ElementTree

import xmltodict
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import EVENT_TYPES
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import MESSAGE_TYPES, UnknownMessage
from wechatpy.utils import check_signature

from . import messagelog
from .conf import app_settings
from .exceptions import CacheUnavailable
from .ledger import PATIENCE, Verdict, ledger, message_key
from .redact import redact
from .replies import SUCCESS, make_reply, render
from .router import handler_name, router
from .store import UserStore

logger = logging.getLogger("wechat.webhook")
handler_logger = logging.getLogger("wechat.handler")

SIGNATURE = re.compile(r"[0-9a-f]{40}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")
NONCE = re.compile(r"[0-9A-Za-z_-]{1,64}")
MAX_ECHOSTR = 1024
DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# Fields the webhook reads, and what each must look like.
REQUIRED_TEXT = ("ToUserName", "FromUserName", "MsgType")
OPTIONAL_TEXT = ("Event", "EventKey", "Content")
MAX_ID = 64  # ToUserName, FromUserName, MsgType, Event: WeChat's are 30 characters or less
MSG_ID = re.compile(r"[0-9]{1,20}")  # an unsigned 64-bit integer
CREATE_TIME = re.compile(r"[0-9]{1,12}")
MAX_DEPTH = 4  # WeChat's deepest field (SendPicsInfo > PicList > item > PicMd5Sum)
RETRY_WINDOW = 16.0  # WeChat tries a push at about 0, 5 and 10 s, waiting 5 s each time
# What became of a push, as the message log records it (wechat.models.MessageLog.Outcome).
REPLIED, NO_REPLY, DEFERRED, LATE = "replied", "no_reply", "deferred", "late"
DUPLICATE, UNCHECKED = "duplicate", "unchecked"
# DEBUG only: "<handler>: <ExceptionType>: <message>" of a handler that failed, percent-encoded beyond printable ASCII.
ERROR_HEADER = "X-WeChat-Handler-Error"
MAX_ERROR_HEADER = 300  # characters of the message kept, before encoding


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
    except CacheUnavailable:  # WECHAT_ON_STORE_OUTAGE = "retry"
        return HttpResponse(
            "the shared cache is unavailable, WeChat will retry", status=503, content_type="text/plain; charset=utf-8"
        )


def verify_url(query):
    check_query_signature(query)
    echostr = query.get("echostr", "")
    if not echostr or len(echostr) > MAX_ECHOSTR:
        raise Rejected(400, "missing or oversize echostr")
    return HttpResponse(echostr, content_type="text/plain; charset=utf-8")


def receive(request, query):
    arrived = time.monotonic()
    timestamp, nonce = check_query_signature(query)
    check_timestamp(timestamp)
    encrypted = query.get("encrypt_type") == "aes"
    if app_settings.ENCRYPT_MODE == "safe" and not encrypted:
        raise Rejected(403, "plaintext push refused: WECHAT_ENCRYPT_MODE is safe")
    body = read_body(request)
    crypto = make_crypto() if encrypted else None
    if crypto is not None:
        body = decrypt(crypto, body, query.get("msg_signature", ""), timestamp, nonce)
    fields = parse(body)
    key = message_key(fields)
    verdict, reply = ledger.claim(timestamp, nonce, key)
    if verdict == Verdict.REPLAY:
        raise Rejected(403, "replayed push: this timestamp and nonce were already used")
    logged, outcome, by, failure = dict(fields), DUPLICATE, "", None
    if verdict in (Verdict.NEW, Verdict.UNCHECKED):
        if fields["MsgType"] == "event":  # subscribe/unsubscribe keep the follower's row current; never raises
            from .followers import on_event  # after the app registry is ready (app.py includes these URLs early)

            on_event(fields)
        message = make_message(fields)
        reply, outcome, by = handle(message, fields, key, arrived)
        failure = getattr(message, "wechat_failure", None)  # set in DEBUG only, when the handler failed
        if verdict == Verdict.NEW:
            ledger.finish(key, reply, late=outcome == LATE)
        else:
            outcome = UNCHECKED
    messagelog.record(logged, outcome=outcome, reply=reply, handler=by, arrived=arrived, encrypted=encrypted)
    if not reply or reply == SUCCESS:
        response = HttpResponse(SUCCESS, content_type="text/plain; charset=utf-8")
    else:
        if crypto is not None:
            reply = crypto.encrypt_message(reply.decode("utf-8"), nonce, timestamp).encode("utf-8")
        response = HttpResponse(reply, content_type="application/xml; charset=utf-8")
    if failure is not None:
        response[ERROR_HEADER] = failure
    return response


def handle(message, fields, key, arrived):
    """``(reply body, outcome, handler name)``: the handler's reply or ``success``, and what became of it.

    The outcome is the message log's: ``replied``, ``no_reply``, ``deferred`` (a
    deferred handler is queued, ``wechat.deferred``, and WeChat gets its ``ack``)
    or ``late``: the handler overran WeChat's patience, and its reply is queued as
    a customer-service message, unless one of WeChat's retries carries it first.
    """
    attach_context(message)
    handler = resolve(message)
    if handler is None:
        return SUCCESS, NO_REPLY, ""
    name = handler_name(handler)
    if getattr(handler, "wechat_defer", False):
        return defer(handler, message, fields, key), DEFERRED, name
    reply = run_handler(handler, message)
    body = render_safely(reply, message, name)
    elapsed = time.monotonic() - arrived
    if reply is None or elapsed < PATIENCE:
        return body, REPLIED if body != SUCCESS else NO_REPLY, name
    from . import deferred  # its models load once the app registry is ready (app.py includes these URLs early)

    handler_logger.warning(
        "%s took %.1f s, past WeChat's 5 s: its reply goes to a retry of the push or, after them, out as a "
        "customer-service message. Declare it @router...(defer=True) to answer at once and reply from a task.",
        name,
        elapsed,
    )
    try:
        deferred.send_late(key, fields, handler, reply, timezone.now() + timedelta(seconds=RETRY_WINDOW - elapsed))
    except Exception:
        handler_logger.exception("Could not queue the late reply of %s", name)
    return body, LATE, name


def attach_context(message):
    message.context = UserStore(f"wechat:context:{message.target}:{message.source}", app_settings.CONTEXT_AGE)


def resolve(message):
    try:
        return router.resolve(message)
    except Exception as exc:  # a when= predicate that raises
        handler_logger.exception("Routing failed for %s message from %s", message.type, message.source)
        note_failure(message, "routing (a when= predicate)", exc)
        return None


def defer(handler, message, fields, key):
    """Queue a deferred handler's push; WeChat gets its ``ack`` (or ``success``)."""
    from . import deferred

    try:
        deferred.defer_handler(key, fields, handler)
    except Exception:
        handler_logger.exception("Could not queue the push for %s", handler_name(handler))
        return SUCCESS
    ack = handler.wechat_ack
    return render_safely(make_reply(ack, message)) if ack else SUCCESS


def run_handler(handler, message):
    """The wechatpy reply of the handler (None for ``success``), its context saved."""
    try:
        reply = make_reply(handler(message), message)
    except Exception as exc:
        handler_logger.exception("Handler failed for %s message from %s", message.type, message.source)
        note_failure(message, handler_name(handler), exc)
        return None  # and the context keeps what it had before this message
    try:
        message.context.save()
    except Exception:
        handler_logger.exception("Could not save the conversation context of %s", message.source)
    return reply


def run_deferred_handler(message):
    """A deferred handler's wechatpy reply (None for nothing to send), its context saved; raises what it raises."""
    attach_context(message)
    handler = router.resolve(message)
    reply = make_reply(handler(message), message) if handler is not None else None
    message.context.save()
    return reply


def render_safely(reply, message=None, name=""):
    try:
        return render(reply)
    except Exception as exc:  # e.g. articles that are not dicts
        handler_logger.exception("The handler's %s reply cannot be rendered", getattr(reply, "type", "?"))
        if message is not None:
            note_failure(message, name, exc)
        return SUCCESS


def note_failure(message, name, exc):
    """In DEBUG, keep ``name`` and ``exc`` on the message for the response's X-WeChat-Handler-Error header."""
    if app_settings.DEBUG:
        text = " ".join(redact(f"{name}: {type(exc).__name__}: {exc}").split())[:MAX_ERROR_HEADER]
        message.wechat_failure = quote(text, safe="".join(chr(code) for code in range(32, 127) if chr(code) != "%"))


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


def read_xml(body):
    """The children of the push's ``<xml>`` root, as a dict shaped like xmltodict's.

    Nearly every push is flat: one level of text fields, which ElementTree's C
    parser reads in a fraction of xmltodict's time. A push with a nested,
    repeated or attributed field (a few events, or something hostile) is read
    by xmltodict, whose shape wechatpy's message classes expect. Either way text
    is stripped of surrounding whitespace and an empty field is None.
    """
    # Refused before any parser sees them: DTDs and entities (entity expansion), and bodies in
    # encodings whose bytes could hide them from this check (UTF-16/32 carry NUL bytes).
    if DTD.search(body) or b"\0" in body:
        raise Rejected(400, "XML with a DTD or entities, or not in UTF-8, is refused")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise Rejected(400, "malformed XML") from None
    if root.tag != "xml":
        raise Rejected(400, "no <xml> root")
    fields = {}
    for child in root:
        if len(child) or child.attrib or child.tag in fields:
            return _read_nested(body)
        fields[child.tag] = (child.text or "").strip() or None
    return fields


def _read_nested(body):
    try:
        return xmltodict.parse(body)["xml"]
    except Exception:
        raise Rejected(400, "malformed XML") from None


def parse_envelope(body):
    """The encrypted push's ``<xml>`` as a dict holding ``Encrypt``."""
    envelope = read_xml(body)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("Encrypt"), str):
        raise Rejected(400, "encrypted push without Encrypt")
    return envelope


def parse(body):
    """The push's fields (a dict), every field the webhook reads checked."""
    fields = read_xml(body)
    if not isinstance(fields, dict):
        raise Rejected(400, "a push without fields")
    for name in REQUIRED_TEXT:
        value = fields.get(name)
        if not isinstance(value, str) or not 0 < len(value) <= MAX_ID:
            raise Rejected(400, f"{name} missing, not text, or longer than {MAX_ID} characters")
    for name in OPTIONAL_TEXT:
        if fields.get(name) is not None and not isinstance(fields[name], str):
            raise Rejected(400, f"{name} is not text")
    if not (isinstance(fields.get("CreateTime"), str) and CREATE_TIME.fullmatch(fields["CreateTime"])):
        raise Rejected(400, "CreateTime missing or not a number of seconds")
    if "MsgId" in fields and not (isinstance(fields["MsgId"], str) and MSG_ID.fullmatch(fields["MsgId"])):
        raise Rejected(400, "MsgId is not a number of at most 20 digits")
    if fields["MsgType"] == "text" and fields.get("Content") is None:
        fields["Content"] = ""  # <Content></Content>
    if fields["MsgType"] == "event" and fields.get("Event") is None:
        raise Rejected(400, "event without Event")
    for name, value in fields.items():
        if not isinstance(value, str) and value is not None and too_deep(value):
            raise Rejected(400, f"{name} is nested more than {MAX_DEPTH} levels deep")
    return fields


def too_deep(value):
    """True when dicts and lists are nested in ``value`` more than MAX_DEPTH levels (no recursion)."""
    level = [value]
    for _ in range(MAX_DEPTH):
        level = [
            item
            for container in level
            for item in (container.values() if isinstance(container, dict) else container)
            if isinstance(item, (dict, list))
        ]
        if not level:
            return False
    return True


def make_message(fields):
    """wechatpy's message (or event) object for the fields, as ``wechatpy.parse_message`` builds it."""
    msg_type = fields["MsgType"].lower()
    if msg_type != "event" and not msg_type.startswith("device_"):
        return MESSAGE_TYPES.get(msg_type, UnknownMessage)(fields)
    event = fields["Event"].lower() if fields.get("Event") else msg_type
    if msg_type.startswith("device_") and fields.get("Event"):
        event = f"device_{event}"
    event_key = fields.get("EventKey") or ""
    if event == "subscribe" and event_key.startswith(("scanbarcode|", "scanimage|")):
        event = fields["Event"] = "subscribe_scan_product"
    elif event == "subscribe" and event_key.startswith("qrscene_"):
        event = fields["Event"] = "subscribe_scan"
        fields["EventKey"] = event_key[len("qrscene_") :]
    return EVENT_TYPES.get(event, UnknownMessage)(fields)
