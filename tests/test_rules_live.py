"""Auto-reply rules saved while the project runs (gunicorn, 2 workers): every worker answers with them
within 5 s, and staff can do it from the admin in a browser and see the reply in the dev console.

The project is the default one, with its example handlers: the rule's keyword would otherwise reach
the example echo handler (``@router.text()``, a catch-all), which a database rule must beat.
"""

import secrets
import time

import pytest

from .conftest import generate, manage, production_env, run
from .servers import gunicorn
from .test_browser import CHROMIUM, CHROMIUM_ARGS
from .webhook_site import AES_KEY, APP_ID, TOKEN, Site, Wire

DEADLINE = 5.0  # seconds from a rule saved to every worker answering with it
BURST = 10  # concurrent pushes: 2 sync workers take one request at a time, so a burst reaches both
ADMIN_PASSWORD = secrets.token_urlsafe(16)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = generate(tmp_path_factory.mktemp("rules_live"))
    migrated = run(project, *manage(project), "migrate", "--noinput", **production(project))
    assert migrated.returncode == 0, migrated.stderr
    return project


def production(project):
    return {
        **production_env(project),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_ENCODING_AES_KEY": AES_KEY,
        "WECHAT_ENCRYPT_MODE": "compatible",
    }


def save_rule(project, env, statement):
    """Run ``statement`` (``Rule`` is AutoReplyRule) in the project's ``manage.py shell``: the Unix time
    just after it returned (the save is committed: autocommit)."""
    code = f"import time\nfrom wechat.models import AutoReplyRule as Rule\n{statement}\nprint(time.time())"
    done = run(project, *manage(project), "shell", "-c", code, **env)
    assert done.returncode == 0, done.stderr
    return float(done.stdout.strip().splitlines()[-1])


def replies(site, wire, content):
    return [answer.reply for answer in site.burst([wire.text(content) for _ in range(BURST)])]


def seconds_until_every_reply_is(site, wire, content, expected, since):
    """Seconds from ``since`` (a Unix time) until a whole burst of pushes gets ``expected``."""
    while time.time() - since < DEADLINE * 2:
        if all(reply == expected for reply in replies(site, wire, content)):
            return time.time() - since
        time.sleep(0.1)
    return None


@pytest.mark.slow
def test_a_saved_rule_answers_on_every_worker_within_5_seconds(project, tmp_path):
    env = production(project)
    wire = Wire(project)
    with gunicorn(project, env, workers=2, log=tmp_path / "gunicorn.log") as url:
        site = Site(url + "wechat/", tmp_path / "runs.log", tmp_path / "gunicorn.log", wire)
        # Both workers route (and load their rules, none yet) before the rule exists.
        assert set(replies(site, wire, "价格")) == {"你说：价格\nYou said: 价格"}
        saved_at = save_rule(project, env, "Rule.objects.create(name='价格', pattern='价格', text='九块九包邮')")
        created = seconds_until_every_reply_is(site, wire, "价格", "九块九包邮", saved_at)
        changed_at = save_rule(
            project, env, "rule = Rule.objects.get(pattern='价格'); rule.text = '八块八'; rule.save()"
        )
        changed = seconds_until_every_reply_is(site, wire, "价格", "八块八", changed_at)
        late = replies(site, wire, "价格") + replies(site, wire, "价格")
    print(f"rule created: every reply after {created} s; changed: after {changed} s")
    assert created is not None and created < DEADLINE, created
    assert changed is not None and changed < DEADLINE, changed
    assert set(late) == {"八块八"}


@pytest.mark.slow
def test_staff_edit_a_rule_in_the_admin_and_see_it_in_the_dev_console(project):
    from playwright.sync_api import expect, sync_playwright

    env = {"DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "true"}
    admin = {"DJANGO_SUPERUSER_USERNAME": "staff", "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD}
    created = run(project, *manage(project), "createsuperuser", "--noinput", "--email", "s@example.com", **env, **admin)
    assert created.returncode == 0, created.stderr
    with gunicorn(project, env, workers=2) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            staff = browser.new_page()
            staff.goto(site + "admin/login/")
            staff.fill("#id_username", "staff")
            staff.fill("#id_password", ADMIN_PASSWORD)
            staff.click("input[type=submit]")
            staff.goto(site + "admin/wechat/autoreplyrule/add/")
            staff.fill("#id_name", "营业时间")
            staff.select_option("#id_match_kind", "contains")
            staff.fill("#id_pattern", "营业")
            staff.fill("#id_text", "每天 9 点开门")
            staff.click("input[name=_save]")
            expect(staff.locator("#result_list")).to_contain_text("营业时间")

            console = browser.new_page()
            console.goto(site + "wechat/dev/")
            say(console, "几点营业？")
            expect(console.locator(".bubble.reply").last).to_contain_text("每天 9 点开门")

            staff.click("#result_list a:text('营业时间')")
            staff.fill("#id_text", "今天休息")
            staff.click("input[name=_save]")
            expect(staff.locator(".messagelist")).to_contain_text("营业时间")
            edited_at = time.monotonic()
            # The push may reach the other worker, which reloads its rules within a second or two.
            while True:
                say(console, "营业吗？")
                reply = console.locator(".bubble.reply").last
                if "今天休息" in reply.inner_text() or time.monotonic() - edited_at > DEADLINE:
                    break
                time.sleep(0.3)
            expect(reply).to_contain_text("今天休息")
        finally:
            browser.close()


def say(console, text):
    """Send ``text`` from the dev console and wait for its reply bubble."""
    before = console.locator(".bubble.reply").count()
    console.fill("#message-input", text)
    console.click("#send-button")
    console.locator(".bubble.reply").nth(before).wait_for(timeout=5000)
