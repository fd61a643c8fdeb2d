"""A new file in ``handlers/`` is picked up by a running ``runserver``: no restart by hand."""

import hashlib
import secrets
import time
import urllib.request

import pytest

from .conftest import generate, run
from .servers import background, free_port

TOKEN = "hot-reload-token"
NEW_HANDLER = """from wechat import router


@router.text("新文件")
def new_file(message):
    return "a new file answers"
"""


def push_text(url, content):
    """A plain-mode text push signed with TOKEN, as WeChat sends it; the reply body."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    body = (
        f"<xml><ToUserName>gh_test</ToUserName><FromUserName>o_reload</FromUserName>"
        f"<CreateTime>{timestamp}</CreateTime><MsgType>text</MsgType><Content>{content}</Content>"
        f"<MsgId>{secrets.randbelow(10**15)}</MsgId></xml>"
    ).encode()
    request = urllib.request.Request(
        f"{url}wechat/?signature={signature}&timestamp={timestamp}&nonce={nonce}", data=body
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


@pytest.mark.slow
def test_a_new_handler_file_is_served_without_a_restart(output_dir, tmp_path):
    project = generate(output_dir / "hot_reload", project_slug="hot")
    assert run(project, "manage.py", "migrate", "-v0").returncode == 0
    port = free_port()
    args = ["manage.py", "runserver", "--noworker", f"127.0.0.1:{port}"]  # with the autoreloader, as users run it
    with background(project, args, port, {"WECHAT_TOKEN": TOKEN}, log=tmp_path / "runserver.log") as url:
        assert "a new file answers" not in push_text(url, "新文件")  # the examples' echo answers it
        time.sleep(2)  # the reloader's first look at the files, which a busy machine may delay past the first reply
        (project / "handlers" / ".greetings.py.swp").write_text("")  # an editor's file: no reload
        time.sleep(1.5)  # the reloader looks every second
        assert "changed, reloading" not in (tmp_path / "runserver.log").read_text()
        (project / "handlers" / "greetings.py").write_text(NEW_HANDLER)
        deadline = time.monotonic() + 20
        reply = ""
        while "a new file answers" not in reply and time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                reply = push_text(url, "新文件")
            except OSError:  # the server is restarting
                continue
        log = (tmp_path / "runserver.log").read_text()
    assert "a new file answers" in reply, log[:3000]
    assert "handlers changed, reloading" in log, log[-3000:]
