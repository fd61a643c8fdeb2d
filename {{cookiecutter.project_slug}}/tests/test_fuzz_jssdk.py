"""Hostile ``url`` values for the JSSDK config: never a 5xx, 400 with a reason unless the page may be signed.

Besides any text: URLs built to confuse a parser (huge and negative ports, bracketed hosts nested
thousands deep, userinfo and backslash tricks, control characters, percent-encoding, JSON in the
query, lengths up to 100,000 characters), the parameter given twice, or not at all.
"""

from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from .conftest import FUZZ_CASES

HOSTS = ["example.com", "evil.example.net", "example.com.evil.net", "[::1]", "127.0.0.1", "", "EXAMPLE.COM"]
HOSTS += ["example.com.", "xn--fsq.example.com", "例子.example.com", "[" * 50 + "::1" + "]" * 50]
PORTS = st.one_of(
    st.just(""),
    st.integers(-(2**70), 2**70).map(lambda port: f":{port}"),
    st.integers(1, 6000).map(lambda digits: ":" + "9" * digits),
    st.sampled_from([":", ":abc", ":0", ":65536", ":-1", ":1e3", ":８０"]),
)
USERINFO = st.sampled_from(["", "user@", "user:pass@", "evil.net@", "example.com@", "@", "a@b@"])
PATHS = st.one_of(
    st.text(max_size=100),
    st.integers(1, 6000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(1, 6000).map(lambda digits: "?n=" + "9" * digits),
    st.sampled_from(["\\@evil.net/", "%00", "%ff%fe", "%2F%2Fevil.net", "#frag", "?a=1#b", "\x00\r\n", "\u202e"]),
)
BUILT = st.builds(
    lambda scheme, userinfo, host, port, path: f"{scheme}://{userinfo}{host}{port}/{path}",
    st.sampled_from(["http", "https", "ftp", "javascript", "", "HTTPS", "http:"]),
    USERINFO,
    st.sampled_from(HOSTS),
    PORTS,
    PATHS,
)
URLS = st.one_of(
    st.text(max_size=300), BUILT, st.integers(1, 100_000).map(lambda size: "https://example.com/" + "a" * size)
)


@pytest.fixture
def allowed(settings):
    settings.ALLOWED_HOSTS = ["example.com", "testserver"]


def check(response, url):
    FUZZ_CASES.append(1)
    assert response.status_code in (200, 400), response.content[:300]
    body = response.json()
    if response.status_code == 200:
        assert urlsplit(url).hostname == "example.com" and body["signature"]
    else:
        assert body["error"]


@given(url=URLS)
@example(url="http://[::1/page")
@example(url="https://example.com/\x00")
@example(url="https://example.com:" + "9" * 5000 + "/")
@example(url="https://" + "[" * 6000 + "::1" + "]" * 6000 + "/")
@example(url="https://evil.net\\@example.com/")
@example(url="https://example.com/?q=" + "[" * 6000)
def test_any_url(client, fake_wechat, allowed, url):
    check(client.get("/wechat/jssdk/config/", {"url": url}), url)


@given(urls=st.lists(URLS, min_size=2, max_size=3))
def test_url_given_more_than_once(client, fake_wechat, allowed, urls):
    response = client.get("/wechat/jssdk/config/?" + urlencode([("url", url) for url in urls]))
    check(response, urls[-1])  # Django reads the last one


@pytest.mark.parametrize("query", ["", "?url=", "?url", "?URL=https://example.com/", "?url=%", "?url=%E4%BD"])
def test_missing_or_broken_url_parameter(client, fake_wechat, allowed, query):
    response = client.get("/wechat/jssdk/config/" + query)
    FUZZ_CASES.append(1)
    assert response.status_code == 400 and response.json()["error"]
