# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The default of every setting the ``wechat`` app reads, in one place.

The project's settings read each one from its environment variable with this default
(``WECHAT_TOKEN = env.str("WECHAT_TOKEN", default=defaults.TOKEN)``), and
``wechat.conf`` falls back to the same value when a setting is absent. Plain
constants: the settings import this module before Django is set up.
"""

# -- The official account (settings WECHAT_<NAME>) --
APP_ID = ""
APP_SECRET = ""
TOKEN = ""
ENCODING_AES_KEY = ""
ENCRYPT_MODE = "plain"  # plain (明文), compatible (兼容) or safe (安全)
TIMESTAMP_TOLERANCE = 300  # seconds; 0 turns the check off
API_BASE_URL = "https://api.weixin.qq.com/"
OPEN_BASE_URL = "https://open.weixin.qq.com/"
API_TIMEOUT = 2  # seconds
STABLE_TOKEN = True
JSSDK_ALLOWED_HOSTS = None  # None: ALLOWED_HOSTS
JSSDK_API_LIST = ()
REPLY_BUDGET = 4.0  # seconds
ON_STORE_OUTAGE = "handle"  # handle: answer while the shared store is down (a retry may run twice); retry: 503
CONTEXT_AGE = 7200  # seconds
HANDLERS = ()
MAX_BODY_SIZE = 64 * 1024  # bytes
MESSAGE_LOG_DAYS = 30  # days the message log (admin: 消息记录) keeps each push; 0 turns it off
DEDUP_TTL = 300  # seconds

# -- The mini program (settings named as their environment variables, without WECHAT_) --
MINIPROGRAM_APP_ID = ""
MINIPROGRAM_APP_SECRET = ""
MINIPROGRAM_FAKE_LOGIN = False  # /api/miniprogram/dev-login/, with DEBUG only
MINIPROGRAM_SESSION_AGE = 30 * 24 * 3600  # seconds
JWT_SECRET_KEY = ""  # never the Django SECRET_KEY: empty, no token is signed or accepted
JWT_ACCESS_TTL = 7200  # seconds
JWT_REFRESH_TTL = 30 * 24 * 3600  # seconds
JWT_ISSUER = "wechat-django"
