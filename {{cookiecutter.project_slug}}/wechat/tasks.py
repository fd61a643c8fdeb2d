# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Django's Tasks framework, whichever Django runs: the one module that imports it.

Django 6.0 and later ship it as ``django.tasks``; on Django 5.2 the ``django-tasks``
package is the same API (its backport). Import ``task`` and the rest from here, never
from either directly, and the project runs on both::

    from wechat.tasks import task

    @task()
    def send_report(openid): ...

    send_report.enqueue("o_user")

The backend is the ``TASKS`` setting (written out in the project's settings): a table in
the project's database, or RQ on the Redis of ``CACHE_URL``. ``manage.py wechat_worker``
(``app.py wechat_worker``) runs the enqueued tasks.
"""

import django

if django.VERSION >= (6, 0):
    from django.tasks import (
        DEFAULT_TASK_BACKEND_ALIAS,
        DEFAULT_TASK_QUEUE_NAME,
        TaskContext,
        TaskResult,
        TaskResultStatus,
        default_task_backend,
        task,
        task_backends,
    )
else:  # Django 5.2: the backport (the django-tasks package)
    from django_tasks import (
        DEFAULT_TASK_BACKEND_ALIAS,
        DEFAULT_TASK_QUEUE_NAME,
        TaskContext,
        TaskResult,
        TaskResultStatus,
        default_task_backend,
        task,
        task_backends,
    )

__all__ = [
    "DEFAULT_TASK_BACKEND_ALIAS",
    "DEFAULT_TASK_QUEUE_NAME",
    "TaskContext",
    "TaskResult",
    "TaskResultStatus",
    "default_task_backend",
    "task",
    "task_backends",
]
