# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The Django admin at /admin/, Chinese first: each part's pages live in a module of their own.

Log in with a user made by ``manage.py createsuperuser`` (``python app.py createsuperuser``).
"""

from django.contrib import admin

admin.site.site_header = "微信管理后台"
admin.site.site_title = "微信管理后台"
admin.site.index_title = "日常运营"

from . import admin_followers, admin_messagelog  # noqa: E402, F401

# isort: split
# The official account's pages (auto-reply rules, menus, materials): not in a mini_program project.
from . import admin_materials, admin_menus, admin_rules  # noqa: E402, F401
