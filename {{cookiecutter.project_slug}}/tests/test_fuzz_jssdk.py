"""Hostile ``url`` values for the JSSDK config: never a 5xx, 400 with a reason unless the page may be signed."""

from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from .conftest import FUZZ_CASES

URLS = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda scheme, host, path: f"{scheme}://{host}/{path}",
        st.sampled_from(["http", "https", "ftp", "javascript", ""]),
        st.sampled_from(["example.com", "evil.example.net", "example.com.evil.net", "[::1]", "127.0.0.1", ""]),
        st.text(max_size=100),
    ),
)


@pytest.fixture
def allowed(settings):
    settings.ALLOWED_HOSTS = ["example.com", "testserver"]


@given(url=URLS)
@example(url="http://[::1/page")
@example(url="https://example.com/\x00")
def test_any_url(client, fake_wechat, allowed, url):
    response = client.get("/wechat/jssdk/config/", {"url": url})
    FUZZ_CASES.append(1)
    assert response.status_code in (200, 400), response.content
    body = response.json()
    if response.status_code == 200:
        assert urlsplit(url).hostname == "example.com" and body["signature"]
    else:
        assert body["error"]
