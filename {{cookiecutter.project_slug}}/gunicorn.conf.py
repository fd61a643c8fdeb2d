"""gunicorn settings, read automatically by ``gunicorn {{ 'app' if cookiecutter.layout == 'single_file' else 'config.wsgi' }}`` run in this folder.

gunicorn 配置：在项目目录运行 gunicorn 时自动读取。Environment variables override each value.

gunicorn answers requests only. Enqueued tasks (the replies of ``defer=True`` handlers, and any
task of yours) run in the task worker, a service of its own next to this one:
``{{ 'python app.py' if cookiecutter.layout == 'single_file' else 'python manage.py' }} wechat_worker``, installed with deploy/wechat-worker.service.
任务（延迟回复等）不在 gunicorn 里运行，由 wechat_worker 运行：见 deploy/wechat-worker.service。
"""

import multiprocessing
import os

# nginx talks to this address (deploy/nginx.conf); keep it on the loopback.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers from the CPU count; several workers share tokens, dedup records and context
# through the shared cache (CACHE_URL), so any number is safe.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Handlers run in the request thread. WeChat gives up on a push after 5 s and retries it; the
# retry waits for the first delivery's reply (WECHAT_REPLY_BUDGET, 4 s) instead of running the
# handler again. A worker is replaced only when it is silent for longer than this: long enough
# for a slow handler to finish and keep its reply for WeChat's later retries.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# gunicorn's sync worker, which also writes the webhook's reply records in batches when it is
# idle instead of one write per push (see wechat/gunicorn_worker.py).
worker_class = "wechat.gunicorn_worker.WeChatSyncWorker"
graceful_timeout = 10
keepalive = 5
# nginx sets X-Forwarded-Proto; trust it from the loopback only.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"


def on_starting(server):
    """Before any worker starts: a missing key or variable ends gunicorn with one line saying what to set."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ 'app' if cookiecutter.layout == 'single_file' else 'config.settings.production' }}")
    from environment import settings_load_or_exit

    settings_load_or_exit()
