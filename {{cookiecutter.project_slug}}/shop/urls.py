from django.urls import path

from . import views

app_name = "shop"

urlpatterns = [
    path("orders/", views.orders, name="orders"),
    path("orders/<str:out_trade_no>/", views.order_detail, name="order_detail"),
]
