"""Admin pages for your models (``admin.site.register(Order)``). 在这里把你的模型注册到管理后台。"""
