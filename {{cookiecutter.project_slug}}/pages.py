# Example pages for WeChat's built-in browser: edit them, or delete them with their URLs.
# 微信内置浏览器中的示例页面：可修改，或连同 URL 一起删除。
from django.http import HttpResponse
{%- if cookiecutter.__jssdk == "True" %}
from django.shortcuts import render
{%- endif %}
from django.utils.html import format_html
{%- if cookiecutter.__oauth == "True" %}

from wechat.oauth import wechat_oauth


@wechat_oauth(scope="snsapi_userinfo")
def me(request):
    """A page only WeChat users see: web OAuth (网页授权) runs first when needed."""
    user = request.wechat_user
    name = user.nickname or "微信用户"
    return HttpResponse(format_html("<h1>你好，{}</h1><p>openid: <code id='openid'>{}</code></p>", name, user.openid))
{%- endif %}
{%- if cookiecutter.__jssdk == "True" %}


def jssdk_demo(request):
    """A page that calls the JSSDK (share, scan, ...) once wx.config is signed."""
    return render(request, "jssdk_demo.html")
{%- endif %}


def home(request):
    return HttpResponse(format_html("<p>{}</p>", "WeChat backend is running. 微信后端运行中。"))
