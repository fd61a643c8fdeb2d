"""Added to the generated project under benchmark: the bare view (a) and a handler that counts its runs."""

import os

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from wechat import router


@csrf_exempt
def bare(request):
    """The baseline: a Django view behind the same middleware, doing nothing."""
    return HttpResponse(b"success", content_type="text/plain; charset=utf-8")


@router.text(regex=r"^dedup-probe ")
def counted(message):
    """Appends one line per run, so the benchmark can count handler runs across workers."""
    with open(os.environ["BENCH_RUNS_FILE"], "a", encoding="utf-8") as runs:
        runs.write(message.content + "\n")
    return "counted"
