"""Web OAuth through the fake WeChat server: its authorize page and its API, over real HTTP."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from asgiref.sync import iscoroutinefunction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import include, path
from django.views import View

from wechat.models import WeChatUser
from wechat.oauth import SESSION_STATES, WeChatOAuthMixin, wechat_oauth
from wechat.oauth import urls as oauth_urls


def through_wechat(response):
    """Follow the redirect to WeChat's authorize page; the path and query it sends the browser back to."""
    assert response.status_code == 302
    answer = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


@pytest.fixture
def browser_user(fake_wechat):
    fake_wechat.browser_user = fake_wechat.add_user("o_alice", nickname="Alice", unionid="u_alice")
    return fake_wechat.browser_user


def test_visitor_is_sent_to_wechats_authorize_page(client, fake_wechat):
    response = client.get("/me/")
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert response["Location"].startswith(fake_wechat.url + "connect/oauth2/authorize?")
    assert url.fragment == "wechat_redirect"
    assert query["appid"] == [next(iter(fake_wechat.apps))]
    assert query["scope"] == ["snsapi_userinfo"]
    assert query["redirect_uri"] == ["http://testserver/wechat/oauth/callback/"]
    assert query["state"][0] in client.session[SESSION_STATES]


def test_authorised_visitor_lands_on_the_page_with_their_openid(client, fake_wechat, browser_user):
    callback = client.get(through_wechat(client.get("/me/?tab=2")))
    assert callback.status_code == 302
    assert callback["Location"] == "/me/?tab=2"
    page = client.get(callback["Location"])
    assert page.status_code == 200
    assert b"o_alice" in page.content and "Alice" in page.content.decode()
    user = WeChatUser.objects.get(openid="o_alice")
    assert (user.unionid, user.nickname, user.app_id) == ("u_alice", "Alice", next(iter(fake_wechat.apps)))
    # Signed in: no second trip to WeChat.
    assert client.get("/me/").status_code == 200
    assert fake_wechat.calls["connect/oauth2/authorize"] == 1


def test_returning_user_is_updated_not_duplicated(client, fake_wechat, browser_user):
    client.get(through_wechat(client.get("/me/")))
    fake_wechat.users["o_alice"]["nickname"] = "Alice 2"
    client.cookies.clear()
    client.get(through_wechat(client.get("/me/")))
    assert WeChatUser.objects.filter(openid="o_alice").count() == 1
    assert WeChatUser.objects.get(openid="o_alice").nickname == "Alice 2"


def test_state_mismatch_is_403(client, fake_wechat, browser_user):
    back = through_wechat(client.get("/me/"))
    forged = back.replace("state=", "state=x")
    response = client.get(forged)
    assert response.status_code == 403
    assert b"state" in response.content
    assert not WeChatUser.objects.exists()


def test_callback_with_a_state_from_another_session_is_403(client, fake_wechat, browser_user):
    back = through_wechat(client.get("/me/"))
    client.cookies.clear()
    assert client.get(back).status_code == 403


def test_user_who_declines_gets_a_clear_page(client, fake_wechat):
    fake_wechat.browser_user = None  # the user taps "拒绝"
    response = client.get(through_wechat(client.get("/me/")))
    assert response.status_code == 403
    assert "拒绝" in response.content.decode()
    assert b'href="/me/"' in response.content


def test_code_used_twice_is_refused(client, fake_wechat, browser_user):
    back = through_wechat(client.get("/me/"))
    assert client.get(back).status_code == 302
    # The same callback again, its state made valid once more: WeChat refuses the used code.
    session = client.session
    session[SESSION_STATES] = {parse_qs(urlsplit(back).query)["state"][0]: {"next": "/me/", "scope": "snsapi_base"}}
    session.save()
    assert client.get(back).status_code == 403


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)"])
def test_never_redirects_off_site(client, fake_wechat, browser_user, next_url):
    session = client.session
    session[SESSION_STATES] = {"s": {"next": next_url, "scope": "snsapi_base"}}
    session.save()
    code = fake_wechat.oauth_code("o_alice")
    response = client.get(f"/wechat/oauth/callback/?state=s&code={code}")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_wechat_down_during_the_callback_gets_a_clear_page(client, fake_wechat, browser_user, settings):
    back = through_wechat(client.get("/me/"))
    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9/"
    response = client.get(back)
    assert response.status_code == 503
    assert "Try again" in response.content.decode()


def test_behind_a_proxy_the_callback_url_is_https(client, fake_wechat, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["wx.example.com"]
    response = client.get("/me/", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="wx.example.com")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["redirect_uri"] == ["https://wx.example.com/wechat/oauth/callback/"]


# -- The decorator's base scope and the mixin, on views of the test's own ----------


@wechat_oauth
def openid_view(request):
    return HttpResponse(request.wechat_user.openid)


class OpenidView(WeChatOAuthMixin, View):
    def get(self, request):
        return HttpResponse(request.wechat_user.openid)


def request_with_session(client, path="/page/"):
    request = RequestFactory().get(path)
    request.session = client.session
    return request


@pytest.mark.parametrize("view", [openid_view, OpenidView.as_view()], ids=["decorator", "mixin"])
def test_base_scope_asks_for_the_openid_only(client, fake_wechat, browser_user, view):
    response = view(request_with_session(client))
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["scope"] == ["snsapi_base"]
    client.get(through_wechat(client.get("/me/")))  # sign in through the example page
    assert view(request_with_session(client)).content == b"o_alice"


def test_unknown_scope_is_a_programming_error():
    with pytest.raises(ValueError):
        wechat_oauth(scope="snsapi_everything")


# -- async views: the decorator and the mixin work on them too ----------------------------------


@wechat_oauth
async def async_openid_view(request):
    return HttpResponse(request.wechat_user.openid)


class AsyncOpenidView(WeChatOAuthMixin, View):
    async def get(self, request):
        return HttpResponse(request.wechat_user.openid)


urlpatterns = [
    path("wechat/", include((oauth_urls.urlpatterns, "wechat"))),
    path("async/", async_openid_view),
    path("async-class/", AsyncOpenidView.as_view()),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("page", ["/async/", "/async-class/"])
def test_async_views_get_the_user_after_wechats_oauth(client, fake_wechat, browser_user, page):
    assert iscoroutinefunction(async_openid_view) and iscoroutinefunction(AsyncOpenidView.as_view())
    callback = client.get(through_wechat(client.get(page)))
    assert callback.status_code == 302 and callback["Location"] == page
    response = client.get(page)
    assert response.status_code == 200 and response.content == b"o_alice"
