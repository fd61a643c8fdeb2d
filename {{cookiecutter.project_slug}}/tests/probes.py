"""Handlers the webhook tests count or break on purpose; registered on import."""

from wechat import router

runs = []


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
    import time

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


@router.text("__probe: articles__")
def articles(message):
    return [
        {"title": "标题", "description": "描述", "image": "https://example.com/a.jpg", "url": "https://example.com/"}
    ]
