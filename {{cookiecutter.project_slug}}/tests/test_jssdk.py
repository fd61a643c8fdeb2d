"""JSSDK config: WeChat's documented signature, allowed hosts, the shared ticket, and WeChat being down."""

import json
import re
import time

import pytest
from django.template import Context, RequestContext, Template
from django.test import RequestFactory

from wechat.jssdk import signature
from wechat.tokens import jsapi_ticket


@pytest.fixture(autouse=True)
def allowed_hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver", "example.com"]
    settings.WECHAT_JSSDK_ALLOWED_HOSTS = None  # follow ALLOWED_HOSTS


def test_signature_matches_wechats_documented_example():
    ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    result = signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")
    assert result == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


def test_config_is_signed_for_the_page_without_its_fragment(client, fake_wechat):
    response = client.get("/wechat/jssdk/config/", {"url": "https://example.com/shop?item=1#reviews"})
    assert response.status_code == 200
    config = response.json()
    assert set(config) == {"appId", "timestamp", "nonceStr", "signature"}
    assert config["appId"] in fake_wechat.apps
    expected = signature(jsapi_ticket.get(), config["nonceStr"], config["timestamp"], "https://example.com/shop?item=1")
    assert config["signature"] == expected


def test_js_api_list_is_included_when_configured(client, fake_wechat, settings):
    settings.WECHAT_JSSDK_API_LIST = ["updateAppMessageShareData", "scanQRCode"]
    config = client.get("/wechat/jssdk/config/", {"url": "https://example.com/"}).json()
    assert config["jsApiList"] == ["updateAppMessageShareData", "scanQRCode"]


def test_ticket_and_token_are_fetched_once_for_many_pages(client, fake_wechat):
    for page in range(5):
        assert client.get("/wechat/jssdk/config/", {"url": f"https://example.com/{page}"}).status_code == 200
    assert fake_wechat.calls["cgi-bin/ticket/getticket"] == 1
    assert fake_wechat.calls["cgi-bin/stable_token"] == 1


@pytest.mark.parametrize(
    "url",
    ["https://evil.example.net/page", "javascript:alert(1)", "/relative/page", "", "ftp://example.com/"],
)
def test_urls_that_may_not_be_signed_get_400(client, fake_wechat, url):
    response = client.get("/wechat/jssdk/config/", {"url": url})
    assert response.status_code == 400
    assert response.json()["error"]
    assert fake_wechat.calls["cgi-bin/ticket/getticket"] == 0


def test_missing_url_gets_400(client, fake_wechat):
    assert client.get("/wechat/jssdk/config/").status_code == 400


def test_jssdk_allowed_hosts_can_differ_from_allowed_hosts(client, fake_wechat, settings):
    settings.WECHAT_JSSDK_ALLOWED_HOSTS = [".shop.example.org"]
    assert client.get("/wechat/jssdk/config/", {"url": "https://m.shop.example.org/"}).status_code == 200
    assert client.get("/wechat/jssdk/config/", {"url": "https://example.com/"}).status_code == 400


def test_wechat_down_gets_503_json(client, unreachable_wechat):
    response = client.get("/wechat/jssdk/config/", {"url": "https://example.com/"})
    assert response.status_code == 503
    assert "unavailable" in response.json()["error"]


def test_config_script_for_static_pages(client):
    response = client.get("/wechat/jssdk/config.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b'"/wechat/jssdk/config/"' in response.content and b"wx.config(" in response.content


def test_template_tag_signs_the_current_page(fake_wechat):
    request = RequestFactory().get("/article/7", HTTP_HOST="example.com")
    html = Template("{% load wechat_jssdk %}{% wechat_jssdk_config %}").render(RequestContext(request, {}))
    config = json.loads(re.fullmatch(r"<script>wx\.config\((.*)\);</script>", html).group(1))
    expected = signature(jsapi_ticket.get(), config["nonceStr"], config["timestamp"], "http://example.com/article/7")
    assert config["signature"] == expected
    assert config["debug"] is False


def test_template_tag_needs_the_request_in_the_context(fake_wechat):
    with pytest.raises(KeyError):
        Template("{% load wechat_jssdk %}{% wechat_jssdk_config %}").render(Context({}))


def test_template_tag_keeps_the_page_up_when_it_cannot_sign(unreachable_wechat):
    request = RequestFactory().get("/article/7", HTTP_HOST="example.com")
    html = Template("{% load wechat_jssdk %}{% wechat_jssdk_config %}").render(RequestContext(request, {}))
    assert html.startswith("<script>console.error(") and "wx.config" not in html


def test_slow_wechat_gets_503_within_the_timeout(client, slow_wechat):
    started = time.monotonic()
    response = client.get("/wechat/jssdk/config/", {"url": "https://example.com/"})
    assert response.status_code == 503 and "WeChat" in response.json()["error"]
    assert time.monotonic() - started < 1.5


def test_cache_down_gets_503_json(client, fake_wechat, broken_cache):
    response = client.get("/wechat/jssdk/config/", {"url": "https://example.com/"})
    assert response.status_code == 503 and "cache" in response.json()["error"]
