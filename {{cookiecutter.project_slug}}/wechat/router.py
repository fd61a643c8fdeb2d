# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Route each message or event to the first handler that matches it.

Register handlers with decorators::

    from wechat import router

    @router.text("你好")                 # exact text
    @router.text(regex=r"^天气\\s*(\\S+)") # regex; the match is message.match
    @router.text(when=lambda m: len(m.content) > 100)   # predicate
    @router.event("subscribe")
    @router.event("CLICK", key="V1001_TODAY_MUSIC")
    @router.message("image")             # any message type
    @router.default

The order is fixed and documented, so a catch-all can never shadow a specific
handler, whatever the order in which modules are imported:

1. exact text (``@router.text("...")``) and events with their key;
2. regex and predicate handlers, in registration order;
3. the auto-reply rules staff edit in the admin (``wechat.rules``), by priority,
   the database default rule last;
4. handlers for the whole message type or event (``@router.text()``,
   ``@router.message("image")``, ``@router.event("CLICK")``);
5. the default handler.

The first match runs and nothing else does: there is no pass-through, except
that a rule whose reply is "hand to code" lets steps 4 and 5 answer.

Tests can route to handlers of their own for a while, whatever the project
registered::

    probes = Router()               # a router of the test's own

    @probes.text()
    def echo(message): ...

    with router.replaced_by(probes):
        ...                         # pushes reach only the probes
"""

import copy
import re
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

# A handler takes the message (a wechatpy message, with .context and .match) and returns the reply.
Handler = Callable[[Any], Any]
Predicate = Callable[[Any], bool]

# wechatpy names these events after their flavour; they are the same WeChat event.
EVENT_ALIASES = {"subscribe_scan": "subscribe", "subscribe_scan_product": "subscribe"}


def is_event(message):
    # From the raw XML: events wechatpy has no class for still count.
    return str(message._data.get("MsgType", "")).lower() == "event"


def event_name(message):
    name = str(message._data.get("Event", "")).lower()
    return EVENT_ALIASES.get(name, name)


def event_key(message):
    return message._data.get("EventKey") or ""


class Router:
    def __init__(self, rules: Callable[[Any], Any] | None = None) -> None:
        # ``rules(message)``: the database rule answering a message, or None (the project's
        # router asks wechat.rules.match; a Router of a test's own asks nothing).
        self.rules = rules
        self._exact_text = {}
        self._exact_event = {}
        self._conditional = []  # (message type or event name, test, handler)
        self._by_type = {}
        self._by_event = {}
        self._default = None

    # -- Registration -------------------------------------------------------
    # Every decorator takes ``defer=True`` (the handler runs later, in a task, and its reply goes
    # out as customer-service messages) and ``ack="..."`` (what WeChat gets at once instead of
    # ``success`` for a deferred handler). See wechat/deferred.py.
    def text(
        self,
        content: str | Handler | None = None,
        *,
        regex: str | None = None,
        when: Predicate | None = None,
        defer: bool = False,
        ack: str | None = None,
    ) -> Any:
        """Text messages: exact ``content``, a ``regex`` (searched), or a ``when`` predicate.

        ``@router.text`` without parentheses is ``@router.text()``: every text message.
        """
        if callable(content):  # @router.text, written without parentheses: the decorated handler
            return self._register_in(self._by_type, "text", "text", defer=defer, ack=ack)(content)
        if sum(arg is not None for arg in (content, regex, when)) > 1:
            raise TypeError("router.text() takes one of content, regex= or when=")
        options = {"defer": defer, "ack": ack}
        if content is not None:
            return self._register_in(self._exact_text, content, "text", **options)
        if regex is not None:
            return self._conditional_handler("text", _regex_test(re.compile(regex)), **options)
        if when is not None:
            return self._conditional_handler("text", when, **options)
        return self._register_in(self._by_type, "text", "text", **options)

    def message(
        self, msg_type: str, *, when: Predicate | None = None, defer: bool = False, ack: str | None = None
    ) -> Callable[[Handler], Handler]:
        """Messages of a type: text, image, voice, video, shortvideo, location, link, ..."""
        _named("router.message", msg_type, '"image"')
        msg_type = msg_type.lower()
        if msg_type == "event":
            raise ValueError("use router.event() for events")
        if when is not None:
            return self._conditional_handler(msg_type, when, defer=defer, ack=ack)
        return self._register_in(self._by_type, msg_type, f"{msg_type} messages", defer=defer, ack=ack)

    def event(
        self,
        name: str,
        *,
        key: str | None = None,
        when: Predicate | None = None,
        defer: bool = False,
        ack: str | None = None,
    ) -> Callable[[Handler], Handler]:
        """Events by name (subscribe, unsubscribe, SCAN, CLICK, VIEW, LOCATION, ...) and key."""
        _named("router.event", name, '"subscribe"')
        name = name.lower()
        options = {"defer": defer, "ack": ack}
        if key is not None:
            return self._register_in(self._exact_event, (name, key), f"event {name} with key {key!r}", **options)
        if when is not None:
            return self._conditional_handler("event:" + name, when, **options)
        return self._register_in(self._by_event, name, f"event {name}", **options)

    def default(self, handler: Handler | None = None, *, defer: bool = False, ack: str | None = None) -> Any:
        """The handler for everything no other handler matched: ``@router.default`` or ``@router.default(...)``."""

        def decorator(handler):
            if self._default is not None and not _same(self._default, handler):
                raise ValueError(f"a default handler is already registered: {handler_name(self._default)}")
            self._default = _with_options(handler, defer, ack)
            return handler

        return decorator(handler) if handler is not None else decorator

    def _register_in(self, table, key, what, defer, ack):
        def decorator(handler):
            existing = table.get(key)
            if existing is not None and not _same(existing, handler):
                raise ValueError(f"{what} is already handled by {handler_name(existing)}")
            table[key] = _with_options(handler, defer, ack)
            return handler

        return decorator

    def _conditional_handler(self, kind, test, defer, ack):
        def decorator(handler):
            self._conditional = [entry for entry in self._conditional if not _same(entry[2], handler)]
            self._conditional.append((kind, test, _with_options(handler, defer, ack)))
            return handler

        return decorator

    # -- Tests --------------------------------------------------------------
    @contextmanager
    def replaced_by(self, other):
        """Route with a copy of ``other``'s handlers instead of this router's until the block ends.

        Handlers registered on this router inside the block are dropped when it ends;
        ``other`` never sees them.
        """
        saved = vars(self).copy()
        # The handlers are replaced; the database rules still answer between them.
        vars(self).update({name: copy.copy(table) for name, table in vars(other).items() if name != "rules"})
        try:
            yield self
        finally:
            vars(self).clear()
            vars(self).update(saved)

    # -- Dispatch -----------------------------------------------------------
    def resolve(self, message: Any) -> Handler | None:
        """The handler for ``message``, or None."""
        if is_event(message):
            name = event_name(message)
            kind = "event:" + name
            specific = self._exact_event.get((name, event_key(message)))
            general = self._by_event.get(name)
        else:
            kind = message.type
            specific = self._exact_text.get(message.content) if kind == "text" else None
            general = self._by_type.get(kind)
        if specific is not None:
            return specific
        for entry_kind, test, handler in self._conditional:
            if entry_kind == kind and test(message):
                return handler
        rule = self.rules(message) if self.rules is not None else None
        if rule is not None and not rule.hands_to_code:
            return rule
        return general or self._default

    def dispatch(self, message: Any) -> Any:
        """Run the matching handler and return what it returned (None when none matched)."""
        handler = self.resolve(message)
        return handler(message) if handler is not None else None


def _named(decorator: str, name: object, example: str) -> None:
    """TypeError at import time for ``@router.event`` / ``@router.message`` written without their name."""
    if not isinstance(name, str):
        what = getattr(name, "__qualname__", repr(name))
        raise TypeError(f"@{decorator} needs a name: write @{decorator}({example}) above {what}, not @{decorator}")


def _with_options(handler, defer, ack):
    """Mark the handler with its options, as Django marks views (``csrf_exempt``)."""
    if ack is not None and not defer:
        raise TypeError("ack= is what WeChat gets while a deferred handler runs: it needs defer=True")
    handler.wechat_defer = bool(defer)
    handler.wechat_ack = ack
    return handler


def _regex_test(pattern):
    def test(message):
        message.match = pattern.search(message.content)
        return message.match is not None

    return test


def handler_name(handler: Any) -> str:
    """``module.function`` of a handler (or "auto-reply rule #3 name"), for messages and logs."""
    name = getattr(handler, "wechat_name", None)
    return name or f"{handler.__module__}.{handler.__qualname__}"


def _same(a, b):
    """True when ``b`` is ``a`` defined again (its module reloaded), not just another handler."""
    return (handler_name(a), _line(a)) == (handler_name(b), _line(b))


def _line(handler):
    code = getattr(handler, "__code__", None)
    return code.co_firstlineno if code is not None else None


def _database_rules(message):
    from .rules import match

    return match(message)


router = Router(rules=_database_rules)
