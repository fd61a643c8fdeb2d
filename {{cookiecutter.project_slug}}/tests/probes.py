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
