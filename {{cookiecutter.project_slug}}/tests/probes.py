"""The handlers the package's tests push to, on a router of their own.

``conftest.py`` routes every test to this router (``router.replaced_by``), so
the tests never depend on your handlers: rewrite ``handlers/`` (or the handlers
in ``app.py``) as you like. Your handlers have their own tests in
``test_examples.py``.
"""

import time

from wechat.router import Router, event_key

router = Router()
runs = []  # one item per run of the counting probes: counted() and click()


@router.text()
def echo(message):
    return f"echo: {message.content}"


@router.event("subscribe")
def welcome(message):
    return "welcome"


@router.event("CLICK")
def click(message):
    runs.append(event_key(message))
    return f"clicked {event_key(message)}"


@router.text("__probe: count runs__")
def counted(message):
    runs.append(message.id)
    return f"run {len(runs)}"


@router.text("__probe: raise__")
def broken(message):
    raise RuntimeError("this handler is broken on purpose")


@router.text("__probe: unsafe reply__")
def unsafe(message):
    return "bell\x07here ]]> end"


@router.text("__probe: slow__")
def slow(message):
    time.sleep(0.6)
    return "slow but here"


@router.text("__probe: remember__")
def remember(message):
    message.context["visits"] = message.context.get("visits", 0) + 1
    return f"visit {message.context['visits']}"


@router.text("__probe: remember then fail__")
def remember_then_fail(message):
    message.context["visits"] = 1000
    raise RuntimeError("this handler is broken on purpose")


@router.text("__probe: bad articles__")
def bad_articles(message):
    return ["not an article", 42]


@router.text("__probe: unsupported reply__")
def unsupported(message):
    return 42


def breaks_on_its_probe(message):
    if message.content == "__probe: predicate raises__":
        raise LookupError("this predicate is broken on purpose")
    return False


@router.text(when=breaks_on_its_probe)
def behind_a_broken_predicate(message):
    return "never"


@router.text("__probe: raise secret__")
def broken_with_secret(message):
    from django.conf import settings

    raise ValueError(f"出错了 token {settings.WECHAT_TOKEN}\nsecond line")


@router.text("__probe: articles__")
def articles(message):
    return [
        {"title": "标题", "description": "描述", "image": "https://example.com/a.jpg", "url": "https://example.com/"}
    ]


@router.text("__probe: deferred__", defer=True, ack="正在思考…")
def deferred_reply(message):
    runs.append(message.id)
    return f"deferred reply to {message.source}"


@router.text("__probe: deferred long__", defer=True)
def deferred_long(message):
    return "长" * 1500 + "end"  # 4503 bytes of UTF-8: three customer-service messages
