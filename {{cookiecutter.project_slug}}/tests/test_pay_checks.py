"""``manage.py check`` on WeChat Pay's settings: each misconfiguration in one sentence, never a traceback."""

from django.core import checks

from wechat.fake_pay import merchant_keys


def ids(deploy=False):
    return sorted(message.id for message in checks.run_checks(include_deployment_checks=deploy) if "pay" in message.id)


def test_not_configured_is_only_a_note(settings):
    for name in ("MCH_ID", "API_V3_KEY", "PRIVATE_KEY_PATH", "CERT_SERIAL_NO", "NOTIFY_URL", "PUBLIC_KEY_ID"):
        setattr(settings, f"WECHAT_PAY_{name}", "")
    settings.WECHAT_PAY_PUBLIC_KEY_PATH = settings.WECHAT_PAY_PLATFORM_CERT_PATH = ""
    assert ids() == []  # every command runs the checks: no note on each one
    assert ids(deploy=True) == ["wechat_pay.I001"]


def test_a_complete_configuration_passes(fake_pay, settings):
    assert ids() == []
    assert ids(deploy=True) == ["wechat_pay.E010"]  # the fake's http API base URL
    settings.WECHAT_PAY_API_BASE_URL = "https://api.mch.weixin.qq.com/"
    assert ids(deploy=True) == []


def test_partly_configured_names_what_is_missing(fake_pay, settings):
    settings.WECHAT_PAY_CERT_SERIAL_NO = ""
    messages = [m for m in checks.run_checks() if m.id == "wechat_pay.E001"]
    assert len(messages) == 1 and "WECHAT_PAY_CERT_SERIAL_NO" in messages[0].msg


def test_bad_key_files_and_keys(fake_pay, settings, tmp_path):
    settings.WECHAT_PAY_API_V3_KEY = "too-short"
    settings.WECHAT_PAY_PRIVATE_KEY_PATH = str(tmp_path / "missing.pem")
    not_a_key = tmp_path / "garbage.pem"
    not_a_key.write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
    settings.WECHAT_PAY_PUBLIC_KEY_PATH = str(not_a_key)
    assert ids() == ["wechat_pay.E002", "wechat_pay.E003", "wechat_pay.E005"]


def test_a_public_key_where_the_private_key_belongs(fake_pay, settings, tmp_path):
    settings.WECHAT_PAY_PRIVATE_KEY_PATH = str(merchant_keys(tmp_path / "k").public_key_path)
    assert ids() == ["wechat_pay.E003"]


def test_no_way_to_verify_wechat_pay(fake_pay, settings):
    settings.WECHAT_PAY_PUBLIC_KEY_ID = settings.WECHAT_PAY_PUBLIC_KEY_PATH = ""
    settings.WECHAT_PAY_PLATFORM_CERT_PATH = ""
    assert ids() == ["wechat_pay.E006"]


def test_public_key_id_without_its_file(fake_pay, settings):
    settings.WECHAT_PAY_PUBLIC_KEY_PATH = ""
    assert "wechat_pay.E004" in ids()


def test_a_notify_url_that_is_not_https_fails_the_deploy_check(fake_pay, settings):
    settings.WECHAT_PAY_NOTIFY_URL = "http://shop.example.com/wechat/pay/notify/"
    assert ids() == []  # fine for local work
    settings.WECHAT_PAY_API_BASE_URL = "https://api.mch.weixin.qq.com/"
    messages = [m.msg for m in checks.run_checks(include_deployment_checks=True) if m.id == "wechat_pay.E010"]
    assert len(messages) == 2  # the notify URL and the refund notify URL derived from it
    assert "WECHAT_PAY_NOTIFY_URL" in messages[0] and "WECHAT_PAY_REFUND_NOTIFY_URL" in messages[1]


def test_a_notify_url_that_is_not_a_url(fake_pay, settings):
    settings.WECHAT_PAY_NOTIFY_URL = "shop.example.com/notify"
    assert "wechat_pay.E007" in ids()
