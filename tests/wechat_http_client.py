"""Talk to a running generated project over real HTTP, as WeChat would.

Run with the generated project on PYTHONPATH (it uses the project's own
``wechat.testing``): ``python wechat_http_client.py http://127.0.0.1:8000/wechat/``.
Prints one JSON object with what came back.
"""

import json
import sys
import time
import urllib.error
import urllib.request

TOKEN = "gunicorn-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx1234567890abcdef"


def http(url, body=None):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "text/xml"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def main(url):
    from wechat.testing import PushBuilder  # the generated project's own

    results = {}
    plain = PushBuilder(TOKEN)
    safe = PushBuilder(TOKEN, mode="safe", aes_key=AES_KEY, app_id=APP_ID)

    status, body = http(f"{url}?{plain.url_check(echostr='echo-42')}")
    results["echostr"] = [status, body.decode()]

    query, body = plain.text("plain hello")
    status, reply = http(f"{url}?{query}", body)
    results["plain"] = [status, plain.read_reply(reply)["Content"] if status == 200 else reply.decode()]

    fields = safe.text_fields("encrypted 你好")
    query, body = safe.sign(fields)
    status, reply = http(f"{url}?{query}", body)
    results["encrypted_is_ciphertext"] = b"<Encrypt>" in reply
    results["encrypted"] = [status, safe.read_reply(reply)["Content"] if status == 200 else reply.decode()]

    # WeChat's retries: the same message (sent 6 s ago) in new requests, reaching either worker.
    # A second run of the handler would show in the reply's CreateTime, hence the pause.
    late = safe.text_fields("retried 你好", create_time=int(time.time()) - 6)
    replies = []
    for attempt in range(5):
        query, body = safe.sign(late)
        status, reply = http(f"{url}?{query}", body)
        replies.append(safe.read_reply(reply) if status == 200 else reply.decode())
        if attempt == 0:
            time.sleep(1.2)
    results["retries"] = replies
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
