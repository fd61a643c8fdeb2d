"""Headless Chromium: web OAuth through the fake WeChat server, and the dev console."""

import secrets

import pytest

from .conftest import create_database, generate, manage, run
from .servers import fake_wechat, gunicorn

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.slow
def test_browser_is_authorised_and_sees_its_openid(tmp_path):
    from playwright.sync_api import sync_playwright

    project = generate(tmp_path, use_oauth=True)
    create_database(project)
    env = {
        # Local settings: the session cookie must travel over plain http here.
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "WECHAT_APP_ID": "wx" + secrets.token_hex(8),
        "WECHAT_APP_SECRET": "browser-secret",
        "WECHAT_TOKEN": "token",
    }
    assert run(project, *manage(project), "migrate", "--noinput", **env).returncode == 0
    with fake_wechat(project, env, openid="o_browser_user") as api:
        site_env = {**env, "WECHAT_API_BASE_URL": api, "WECHAT_OPEN_BASE_URL": api}
        with gunicorn(project, site_env) as site, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(site + "me/")
                visited = page.url
                openid = page.locator("#openid").inner_text()
                heading = page.locator("h1").inner_text()
            finally:
                browser.close()
    assert visited.split("#")[0] == site + "me/"  # the browser keeps #wechat_redirect
    assert openid == "o_browser_user"
    assert "测试用户" in heading


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_dev_console_chat(tmp_path, mode):
    from playwright.sync_api import expect, sync_playwright

    project = generate(tmp_path, layout="single_file")
    env = {
        "DJANGO_DEBUG": "true",
        "WECHAT_TOKEN": "console-token",
        "WECHAT_ENCRYPT_MODE": mode,
        "WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "WECHAT_APP_ID": "wx1234567890abcdef",
    }
    assert run(project, *manage(project), "migrate", "--noinput", **env).returncode == 0
    with gunicorn(project, env) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(site + "wechat/dev/")
            page.fill("#message-input", "你好")
            page.click("#send-button")
            expect(page.locator(".bubble.reply").last).to_contain_text("你说：你好")
            page.select_option("#event-select", "subscribe")
            page.click("#send-event")
            expect(page.locator(".bubble.reply").last).to_contain_text("欢迎")
            page.fill("#message-input", "调查")
            page.keyboard.press("Enter")
            expect(page.locator(".bubble.reply").last).to_contain_text("编程语言")
        finally:
            browser.close()
