"""The generated nginx site in front of gunicorn: echostr, an encrypted push and a static file get through."""

import json
import shutil
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import generate, manage, production_env, project_env, run
from .servers import free_port, gunicorn, wait_for_port
from .wechat_http_client import AES_KEY, APP_ID, TOKEN

CLIENT = Path(__file__).with_name("wechat_http_client.py")


def self_signed_certificate(folder):
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


def site_config(project, folder, http_port, https_port, app_port):
    """deploy/nginx.conf as shipped, with this test's ports, paths and certificate."""
    key, cert = self_signed_certificate(folder)
    slug = project.name
    (folder / "proxy.conf").write_text((project / "deploy" / "proxy.conf").read_text())
    site = (project / "deploy" / "nginx.conf").read_text()
    for old, new in {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        f"/etc/nginx/{slug}_proxy.conf": str(folder / "proxy.conf"),
        "/etc/letsencrypt/live/example.com/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/example.com/privkey.pem": str(key),
    }.items():
        assert old in site, old
        site = site.replace(old, new)
    (folder / "site.conf").write_text(site)
    temp = folder / "temp"
    temp.mkdir()
    main = f"""
user root;
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder}/site.conf;
}}
"""
    (folder / "nginx.conf").write_text(main)
    return folder / "nginx.conf"


def fetch(url):
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.slow
def test_nginx_in_front_of_gunicorn(tmp_path):
    project = generate(tmp_path / "out")
    env = {
        **production_env(project),
        "DJANGO_SECRET_KEY": "n9#Kd2!pW9zQ4@xR8$vN1^tY6&bM3*cL" * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_ENCRYPT_MODE": "compatible",
    }
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        done = run(project, *manage(project), *command, **env)
        assert done.returncode == 0, done.stderr
    http_port, https_port = free_port(), free_port()
    with gunicorn(project, env) as app:
        config = site_config(project, tmp_path, http_port, https_port, int(app.rstrip("/").rsplit(":", 1)[1]))
        nginx = subprocess.Popen(
            [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(config)], stderr=subprocess.PIPE, text=True
        )
        try:
            wait_for_port(https_port, nginx)
            client = subprocess.run(
                [sys.executable, str(CLIENT), f"http://127.0.0.1:{http_port}/wechat/"],
                env=project_env(project, PYTHONPATH=str(project)),
                capture_output=True,
                text=True,
                timeout=60,
            )
            static = fetch(f"https://127.0.0.1:{https_port}/static/admin/css/base.css")
            redirected = fetch(f"http://127.0.0.1:{http_port}/admin/")
            home = fetch(f"https://127.0.0.1:{https_port}/")
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
    assert client.returncode == 0, client.stderr
    results = json.loads(client.stdout)
    assert results["echostr"] == [200, "echo-42"]
    assert results["encrypted_is_ciphertext"] is True
    assert results["encrypted"][0] == 200 and "encrypted 你好" in results["encrypted"][1]
    assert static[0] == 200 and static[1]["Content-Type"].startswith("text/css") and b"body" in static[2]
    assert redirected[0] == 301 and redirected[1]["Location"] == "https://127.0.0.1/admin/"
    # Django sees https through X-Forwarded-Proto: no redirect loop, HSTS set.
    assert home[0] == 200 and "Strict-Transport-Security" in home[1]
