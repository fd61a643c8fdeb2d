# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The mini program's API, under ``/api/miniprogram/`` (``include("wechat.miniprogram.urls")``).

``views.py`` holds the views, ``urls.py`` their URLs; the JWTs are ``wechat.jwt_auth``'s
(``jwt_required`` for your own views) and DRF's authentication is ``wechat.drf``.

- ``POST login/``   ``{"code"}`` from ``wx.login()`` → ``{"access_token", "refresh_token", "token_type", "expires_in"}``
- ``POST refresh/`` ``{"refresh_token"}`` → a new pair (each refresh token works once)
- ``GET  me/``      → ``{"openid", "unionid"}`` (an example of a protected view)
- ``POST decrypt/`` ``{"encrypted_data", "iv"}`` → the decrypted user data (``wx.getUserInfo`` and friends)
- ``POST phone/``   ``{"code"}`` from ``getPhoneNumber`` → ``{"phone_number", "pure_phone_number", "country_code"}``
- ``POST dev-login/`` ``{"openid"}``: local development only (DEBUG and MINIPROGRAM_FAKE_LOGIN both on)

The session_key WeChat gives at login stays on the server, replaced at every
login; it is never put in a token or a response. Errors are JSON: 400 for bad
input (``wechat.jsonbody`` says why: not JSON, not an object, nested too deep,
huge numbers, a field of the wrong type), 401 for bad tokens and refused codes
(with WeChat's ``errcode``), 503 when WeChat cannot be reached or
JWT_SECRET_KEY is not set.
"""


def __getattr__(name):
    """``include("wechat.miniprogram")``, as projects generated before the split wrote it, still works."""
    if name in ("app_name", "urlpatterns"):
        from . import urls

        return getattr(urls, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
