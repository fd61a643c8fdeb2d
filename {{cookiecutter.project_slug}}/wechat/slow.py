"""Slow handlers: WeChat waits 5 s for a reply, then retries, then gives up.

Each handler runs in a small thread pool while the webhook waits at most
``WECHAT_REPLY_BUDGET`` seconds (4 by default). A handler that is still running
then gets WeChat a ``success`` in time, and its reply goes out later through
the customer-service message API (``cgi-bin/message/custom/send``) when it
finishes. ``WECHAT_REPLY_BUDGET = 0`` runs handlers in the request thread, with
no budget.

Work that takes minutes belongs in a task queue (Celery, RQ, ...) shared by
your machines: enqueue it from the handler, return a short "处理中" text, and
send the result from the task with ``wechat.client.get_client().message``.
"""

import concurrent.futures
import logging
import os
import threading

from django.db import close_old_connections

from .client import get_client
from .conf import app_settings

logger = logging.getLogger("wechat.handler")

_pool = None
_pool_pid = None
_pool_lock = threading.Lock()


def pool():
    """This process's handler threads (a forked worker starts its own)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool_pid != os.getpid():
            _pool = concurrent.futures.ThreadPoolExecutor(
                app_settings.HANDLER_THREADS, thread_name_prefix="wechat-handler"
            )
            _pool_pid = os.getpid()
        return _pool


def run_within_budget(work, message, late):
    """``work(message)`` if it finishes within the budget; otherwise None now and ``late(message, result)`` later."""
    budget = app_settings.REPLY_BUDGET
    if budget <= 0:
        return work(message)
    future = pool().submit(_in_pool_thread, work, message)
    try:
        return future.result(timeout=budget)
    except concurrent.futures.TimeoutError:
        logger.warning(
            "Handler for %s ran past %s s: WeChat gets success, the reply follows later", message.type, budget
        )
        future.add_done_callback(lambda done: _in_pool_thread(late, message, done.result()))
        return None


def _in_pool_thread(function, *args):
    close_old_connections()  # like a request: this thread's database connections stay healthy
    try:
        return function(*args)
    finally:
        close_old_connections()


def send_late_reply(message, reply):
    """Send a reply WeChat no longer waits for as a customer-service message."""
    if reply is None:
        return
    send = get_client().message
    user = message.source
    try:
        if reply.type == "text":
            send.send_text(user, reply.content)
        elif reply.type == "news":
            send.send_articles(user, reply.articles)
        elif reply.type == "image":
            send.send_image(user, reply.media_id)
        elif reply.type == "voice":
            send.send_voice(user, reply.media_id)
        elif reply.type == "video":
            send.send_video(user, reply.media_id, reply.title, reply.description)
        elif reply.type == "music":
            send.send_music(
                user, reply.music_url, reply.hq_music_url, reply.thumb_media_id, reply.title, reply.description
            )
        else:
            logger.error("A late %s reply cannot be sent as a customer-service message", reply.type)
            return
        logger.info("Late %s reply sent to %s", reply.type, user)
    except Exception:  # WeChatUnavailable included: the late reply is lost, and logged
        logger.exception("Could not send the late reply to %s", user)
