"""The GET WeChat sends when the server URL is saved on its configuration page."""

from wechat.testing import PushBuilder

from .conftest import TOKEN


def test_url_check_echoes_echostr(client):
    query = PushBuilder(TOKEN).url_check(echostr="5927416837394528521")
    response = client.get(f"/wechat/?{query}")
    assert response.status_code == 200
    assert response.content == b"5927416837394528521"


def test_url_check_with_wrong_token_is_403(client):
    query = PushBuilder("another-token").url_check()
    response = client.get(f"/wechat/?{query}")
    assert response.status_code == 403
    assert b"signature" in response.content


def test_url_check_without_parameters_is_403(client):
    response = client.get("/wechat/")
    assert response.status_code == 403


def test_url_check_without_echostr_is_400(client):
    query = PushBuilder(TOKEN).url_check(echostr="")
    assert client.get(f"/wechat/?{query}").status_code == 400


def test_other_methods_are_405(client):
    response = client.put("/wechat/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


def test_pushes_are_refused_while_the_token_is_not_configured(client, wechat_settings):
    # With an empty token anybody could compute a valid signature.
    wechat_settings.WECHAT_TOKEN = ""
    query = PushBuilder("").url_check()
    response = client.get(f"/wechat/?{query}")
    assert response.status_code == 503
    assert b"WECHAT_TOKEN" in response.content
