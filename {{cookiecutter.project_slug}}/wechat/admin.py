from . import admin_messagelog  # noqa: F401  the message log (消息记录)
