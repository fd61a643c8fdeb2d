from django.contrib import admin

from .models import Product, Purchase


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "price_yuan", "active")
    list_filter = ("active",)
    search_fields = ("name",)

    @admin.display(description="价格（元）", ordering="price")
    def price_yuan(self, product):
        return f"{product.price / 100:.2f}"


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ("order", "product", "user", "fulfilled_at")
    list_select_related = ("order", "product", "user")
    search_fields = ("order__out_trade_no", "user__openid")
    readonly_fields = ("order", "product", "user", "fulfilled_at")

    def has_add_permission(self, request):
        return False
