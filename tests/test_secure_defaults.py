"""Secure by default: random keys in each generated project's .env, no key from the template signs anything,
``gunicorn app`` is production unless DEBUG is asked for, and a fresh project's dev tools work as generated."""

import base64
import hashlib
import hmac
import http.cookiejar
import json
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from .conftest import TEMPLATE, generate, manage, project_env, run
from .servers import background, free_port, gunicorn

KEY_NAMES = ("DJANGO_SECRET_KEY", "JWT_SECRET_KEY")
WECHAT_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")  # what WeChat's server configuration page accepts
# Where the template could hide a key: the project, its docs, the README and the hooks.
TEMPLATE_SOURCES = [TEMPLATE / name for name in ("{{cookiecutter.project_slug}}", "docs", "README.md", "hooks")]


def env_file(project):
    lines = (project / ".env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, headers=None, data=None, opener=None):
    """``(status, headers, body)`` of a request, without following redirects."""
    opener = opener or urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode(errors="replace")


# -- The generated .env -----------------------------------------------------------------------
def test_each_generation_writes_its_own_random_keys(tmp_path):
    first = generate(tmp_path / "a", wechat_app_type="both")
    second = generate(tmp_path / "b", wechat_app_type="both")
    keys = [env_file(first), env_file(second)]
    for found in keys:
        assert set(found) == {*KEY_NAMES, "WECHAT_TOKEN"}
        assert all(len(found[name]) >= 50 and len(set(found[name])) >= 20 for name in KEY_NAMES)
        assert WECHAT_TOKEN.fullmatch(found["WECHAT_TOKEN"])
    values = [value for found in keys for value in found.values()]
    assert len(set(values)) == len(values), "a key repeats within a project or across two generations"


def test_official_account_projects_get_no_jwt_key(tmp_path):
    assert set(env_file(generate(tmp_path))) == {"DJANGO_SECRET_KEY", "WECHAT_TOKEN"}


def test_the_env_file_is_git_ignored_and_the_example_holds_no_key(tmp_path):
    project = generate(tmp_path, wechat_app_type="mini_program")
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=project)
    assert ignored.returncode == 0, ".env is not git-ignored"
    assert subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=project).returncode == 1
    example = (project / ".env.example").read_text(encoding="utf-8")
    for name in (*KEY_NAMES, "WECHAT_TOKEN"):
        assert re.findall(rf"^#?\s*{name}=(.*)$", example, re.M) == [""], name


# -- gunicorn app: production unless DEBUG is asked for ------------------------------------------
@pytest.mark.slow
def test_gunicorn_app_without_environment_refuses_to_start_without_host_names(tmp_path):
    project = generate(tmp_path, layout="single_file")
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "app", "--workers", "1", "--bind", f"127.0.0.1:{free_port()}"],
        cwd=project,
        env=project_env(project),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr, result.stderr[-3000:]


@pytest.mark.slow
def test_gunicorn_app_answers_as_production_unless_debug_is_asked_for(tmp_path):
    project = generate(tmp_path, layout="single_file")
    hosts = {"DJANGO_ALLOWED_HOSTS": "127.0.0.1"}  # all that production asks for: the .env has the keys
    with gunicorn(project, hosts, workers=1) as site:
        status, headers, _ = fetch(site + "no-such-page/")
        assert status == 301 and headers["Location"].startswith("https://127.0.0.1")  # SECURE_SSL_REDIRECT
        https = {"X-Forwarded-Proto": "https"}
        status, _, body = fetch(site + "no-such-page/", https)
        assert status == 404 and "The requested resource was not found" in body
        assert "DEBUG = True" not in body and "URLconf" not in body
        status, _, body = fetch(site + "no-such-page/", {**https, "Host": "attacker.example"})
        assert status == 400 and "attacker.example" not in body  # ALLOWED_HOSTS, without DEBUG's explanation
        assert fetch(site + "wechat/dev/", https)[0] == 404  # no dev console in production
    with gunicorn(project, {"DJANGO_DEBUG": "true"}, workers=1) as site:  # the control: DEBUG, asked for
        status, _, body = fetch(site + "no-such-page/")
        assert status == 404 and "DEBUG = True" in body


# -- The dev tools work on the generated .env, with no edits -------------------------------------
@pytest.mark.slow
def test_a_fresh_project_simulates_and_runs_its_dev_console(tmp_path):
    project = generate(tmp_path)
    assert run(project, *manage(project), "migrate", "--noinput").returncode == 0
    simulated = run(project, *manage(project), "wechat_simulate", "你好", "--in-process")
    assert simulated.returncode == 0, simulated.stdout + simulated.stderr
    port = free_port()
    with background(project, [*manage(project), "runserver", "--noreload", f"127.0.0.1:{port}"], port, {}) as site:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        status, _, page = fetch(site + "wechat/dev/", opener=opener)
        assert status == 200, page[-2000:]
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        message = json.dumps({"kind": "text", "content": "你好", "openid": "o_a_real_follower"}).encode()
        headers = {"Content-Type": "application/json", "X-CSRFToken": csrf, "Referer": site}
        status, _, body = fetch(site + "wechat/dev/send/", headers, message, opener)
        answer = json.loads(body)
        assert status == 200 and answer["status"] == 200, body
        assert answer["pushed"]["FromUserName"] != "o_a_real_follower"
        relayed = fetch(site + "wechat/dev/", {"X-Forwarded-For": "203.0.113.7"}, opener=opener)
        assert relayed[0] == 403


# -- No key from the template signs a mini program token ----------------------------------------
SECRET_LINE = re.compile(r"secret|key|token|password", re.I)
LITERAL = re.compile(r"""["']([^"'\s]{8,100})["']""")
ASSIGNED = re.compile(r"""^\s*#?\s*[A-Z][A-Z0-9_]*(?:SECRET|KEY|TOKEN)[A-Z0-9_]*\s*=\s*['"]?([^'"\s#]+)""", re.M)


def template_key_strings():
    """Every string in the template that could be taken for a key: the literals on lines about
    secrets, keys and tokens, every NAME=value of such a name, and anything django-insecure."""
    found = {""}
    for source in TEMPLATE_SOURCES:
        for path in [source] if source.is_file() else source.rglob("*"):
            if not path.is_file() or path.suffix in (".pyc", ".png", ".ico"):
                continue
            text = path.read_text(encoding="utf-8", errors="ignore")
            found |= set(ASSIGNED.findall(text)) | set(re.findall(r"django-insecure[\w-]*", text))
            for line in text.splitlines():
                if SECRET_LINE.search(line):
                    found |= set(LITERAL.findall(line))
    return found


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(claims, key):
    """An HS256 JWT signed with ``key`` (by hand: PyJWT refuses some keys, an attacker does not)."""
    signing_input = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(json.dumps(claims).encode())
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


USER = """
import json
from wechat.conf import app_settings
from environment import PUBLISHED_SECRETS
from wechat.models import WeChatUser
user = WeChatUser.objects.create(app_id=app_settings.MINIPROGRAM_APP_ID, openid="o_victim")
print(json.dumps({"pk": user.pk, "issuer": app_settings.JWT_ISSUER, "published": sorted(PUBLISHED_SECRETS)}))
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "answers, server",
    [
        pytest.param({"layout": "single_file", "wechat_app_type": "mini_program"}, "gunicorn", id="single-gunicorn"),
        pytest.param({"wechat_app_type": "both"}, "runserver", id="full-both-runserver"),
    ],
)
def test_no_key_from_the_template_signs_a_mini_program_token(tmp_path, answers, server):
    project = generate(tmp_path, **answers)
    app_id = "wx" + secrets.token_hex(8)
    env = {"MINIPROGRAM_APP_ID": app_id}
    assert run(project, *manage(project), "migrate", "--noinput", **env).returncode == 0
    created = run(project, *manage(project), "shell", "-c", USER, **env)
    assert created.returncode == 0, created.stderr
    user = json.loads(created.stdout.strip().splitlines()[-1])
    now = int(time.time())
    claims = {"iss": user["issuer"], "aud": app_id, "sub": str(user["pk"]), "iat": now, "exp": now + 600}
    claims.update(jti=secrets.token_hex(16), typ="access")
    keys = template_key_strings() | set(user["published"])
    assert len(keys) > 20, sorted(keys)  # the scan sees the template
    if server == "gunicorn":  # production settings: DJANGO_DEBUG unset
        serving = gunicorn(project, {**env, "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SECURE_SSL_REDIRECT": "false"})
    else:
        port = free_port()
        serving = background(project, [*manage(project), "runserver", "--noreload", f"127.0.0.1:{port}"], port, env)
    with serving as site:

        def me(key):
            return fetch(site + "api/miniprogram/me/", {"Authorization": f"Bearer {forge(claims, key)}"})

        status, _, body = me(env_file(project)["JWT_SECRET_KEY"])  # the control: the project's own key works
        assert status == 200 and json.loads(body)["openid"] == "o_victim", body
        accepted = [key for key in sorted(keys) if me(key)[0] != 401]
    assert accepted == []
