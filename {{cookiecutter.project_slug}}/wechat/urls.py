from django.urls import path

from .webhook import webhook

app_name = "wechat"

urlpatterns = [
    path("", webhook, name="webhook"),
]
