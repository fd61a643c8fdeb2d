"""Copied into the project under benchmark as ``bench_app.py``: the baseline view, at ``/bare/``.

It sits behind the same middleware and settings as the webhook, and reads the
request body as the webhook does, so the difference between the two is the
webhook's own work.
"""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request):
    request.body  # noqa: B018  (read the push, as any view receiving it would)
    return HttpResponse(b"success", content_type="text/plain; charset=utf-8")
