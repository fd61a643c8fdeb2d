"""Copied into the project under benchmark as ``handlers/bench.py``: the handlers the benchmark measures.

By default the project's example handlers are removed and ``probe`` answers
every text push with a text reply (as the example echo does), so the figures
measure the webhook and do not change when someone edits the examples. With
``--handlers examples`` the examples stay and answer instead (``BENCH_PROBE=0``).

``counted`` answers the dedup check's pushes and appends one line per run to
``BENCH_RUNS_FILE``, so that handler runs can be counted across workers.
"""

import os

from wechat import router


@router.text(regex=r"^dedup-probe ")
def counted(message):
    with open(os.environ["BENCH_RUNS_FILE"], "a", encoding="utf-8") as runs:
        runs.write(message.content + "\n")
    return "counted"


def probe(message):
    return f"probe: {message.content}"


if os.environ.get("BENCH_PROBE", "1") == "1":
    router.text()(probe)
