# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""The custom menu (自定义菜单): WeChat's rules, checked before anything is sent.

``menu_errors(menu)`` lists every rule the menu breaks, each message naming the
button, Chinese then English, with the errcode WeChat itself would answer;
``check_menu(menu)`` raises ``MenuInvalid`` with that list. The ``wechat_menu``
command and the admin (``wechat/admin_menus.py``) both use it, and the admin
publishes, pulls and deletes through ``publish()``, ``pull()`` and ``delete()``.

WeChat's rules: 1 to 3 top-level buttons; a button either opens 1 to 5
sub-buttons (and then has no type) or has a type; a name is at most 16 bytes
at the top level and 60 bytes in a sub-menu (UTF-8: a Chinese character is 3
bytes); a key at most 128 bytes; a URL http(s) and at most 1024 bytes.
"""

from django.db import transaction
from django.utils import timezone

MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024

# Types that send an event with the button's key.
KEY_TYPES = {
    "click": "点击推事件 click",
    "scancode_push": "扫码推事件 scancode_push",
    "scancode_waitmsg": "扫码等待 scancode_waitmsg",
    "pic_sysphoto": "拍照发图 pic_sysphoto",
    "pic_photo_or_album": "拍照或相册 pic_photo_or_album",
    "pic_weixin": "微信相册 pic_weixin",
    "location_select": "发送位置 location_select",
}
# Other types, and the field each one requires besides its name.
FIELD_TYPES = {
    "view": ("url",),
    "miniprogram": ("appid", "pagepath", "url"),
    "media_id": ("media_id",),
    "view_limited": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
}
TYPES = sorted([*KEY_TYPES, *FIELD_TYPES])

# The errcodes WeChat answers: (top level, sub-menu).
ERRCODES = {
    "level": (40022, 40022),
    "count": (40016, 40023),
    "type": (40017, 40024),
    "name": (40018, 40025),
    "key": (40019, 40026),
    "url": (40020, 40027),
}


class MenuInvalid(ValueError):
    """The menu breaks WeChat's rules: ``errors`` lists every message."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


def _bytes(text):
    return len(str(text).encode("utf-8"))


def _label(position, name, parent=None):
    """第 2 个菜单「更多」/ button 2 "更多", or its sub-button."""
    shown = f"「{name}」" if isinstance(name, str) and name else ""
    english = f' "{name}"' if isinstance(name, str) and name else ""
    if parent is None:
        return f"第 {position} 个菜单{shown}", f"button {position}{english}"
    return f"{parent[0]}的第 {position} 个子菜单{shown}", f"sub-button {position}{english} of {parent[1]}"


def _error(label, chinese, english, rule, sub):
    return f"{label[0]}：{chinese} / {label[1]}: {english} (errcode {ERRCODES[rule][int(sub)]})"


def menu_errors(menu):
    """Every rule of WeChat's ``menu`` breaks, as clear messages; empty when WeChat would accept it."""
    if not isinstance(menu, dict) or not isinstance(menu.get("button"), list):
        return [
            '菜单必须是带 "button" 列表的 JSON 对象 / '
            'The menu must be a JSON object with a "button" list (errcode 40016)'
        ]
    buttons = menu["button"]
    errors = []
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        errors.append(
            f"一级菜单应有 1 到 {MAX_BUTTONS} 个，现有 {len(buttons)} 个 / "
            f"A menu has 1 to {MAX_BUTTONS} buttons, this one has {len(buttons)} (errcode 40016)"
        )
    keys = {}
    for position, button in enumerate(buttons, 1):
        errors += _button_errors(button, position, None, keys)
    return errors


def check_menu(menu):
    errors = menu_errors(menu)
    if errors:
        raise MenuInvalid(errors)
    return menu


def _button_errors(button, position, parent, keys):
    sub = parent is not None
    if not isinstance(button, dict):
        label = _label(position, None, parent)
        return [_error(label, "必须是 JSON 对象", "must be a JSON object", "type", sub)]
    name = button.get("name")
    label = _label(position, name, parent)
    errors = []
    limit = MAX_SUB_NAME_BYTES if sub else MAX_NAME_BYTES
    if not isinstance(name, str) or not name.strip():
        errors.append(_error(label, "缺少名称", "has no name", "name", sub))
    elif _bytes(name) > limit:
        errors.append(
            _error(
                label,
                f"名称最多 {limit} 字节（一个汉字 3 字节），现为 {_bytes(name)} 字节",
                f"the name is {_bytes(name)} bytes, the limit is {limit} (a Chinese character is 3)",
                "name",
                sub,
            )
        )
    children = button.get("sub_button")
    if children:  # an empty list is what WeChat's menu/get answers for a button without a sub-menu
        if sub:
            return [
                *errors,
                _error(label, "子菜单不能再有子菜单", "a sub-button cannot have sub-buttons", "level", sub),
            ]
        return errors + _parent_errors(button, children, label, keys)
    return errors + _type_errors(button, label, sub, keys)


def _parent_errors(button, children, label, keys):
    errors = []
    if not isinstance(children, list) or len(children) > MAX_SUB_BUTTONS:
        count = len(children) if isinstance(children, list) else 0
        errors.append(
            _error(
                label,
                f"子菜单最多 {MAX_SUB_BUTTONS} 个，现有 {count} 个",
                f"at most {MAX_SUB_BUTTONS} sub-buttons, this one has {count}",
                "count",
                True,
            )
        )
    if button.get("type"):
        errors.append(
            _error(label, "有子菜单的菜单不能设置类型（type）", "a button with sub-buttons has no type", "type", False)
        )
    if isinstance(children, list):
        for position, child in enumerate(children, 1):
            errors += _button_errors(child, position, label, keys)
    return errors


def _type_errors(button, label, sub, keys):
    kind = button.get("type")
    if kind not in KEY_TYPES and kind not in FIELD_TYPES:
        shown = f"「{kind}」" if kind else ""
        return [
            _error(
                label,
                f"类型{shown}无效，应为 {', '.join(TYPES)} 之一，或者设置子菜单",
                f"type {kind!r} is not one of {', '.join(TYPES)}, and there are no sub-buttons",
                "type",
                sub,
            )
        ]
    if kind in KEY_TYPES:
        return _key_errors(button.get("key"), label, sub, keys)
    errors = []
    for field in FIELD_TYPES[kind]:
        value = button.get(field)
        if not isinstance(value, str) or not value.strip():
            rule = "url" if field == "url" else "key"
            errors.append(_error(label, f"类型 {kind} 必须填写 {field}", f"type {kind} needs a {field}", rule, sub))
        elif field == "url":
            errors += _url_errors(value, label, sub)
    return errors


def _key_errors(key, label, sub, keys):
    if not isinstance(key, str) or not key.strip():
        return [
            _error(label, "必须填写 key（点击后推送给服务器的事件 key）", "needs a key (sent in the event)", "key", sub)
        ]
    if _bytes(key) > MAX_KEY_BYTES:
        return [
            _error(
                label,
                f"key 最多 {MAX_KEY_BYTES} 字节，现为 {_bytes(key)} 字节",
                f"the key is {_bytes(key)} bytes, the limit is {MAX_KEY_BYTES}",
                "key",
                sub,
            )
        ]
    if key in keys:
        return [
            _error(
                label,
                f"key「{key}」与{keys[key][0]}重复，点击时无法区分",
                f"the key {key!r} is also the key of {keys[key][1]}: clicks could not be told apart",
                "key",
                sub,
            )
        ]
    keys[key] = label
    return []


def _url_errors(url, label, sub):
    if not url.startswith(("http://", "https://")):
        return [
            _error(
                label, "网址必须以 http:// 或 https:// 开头", "the URL must start with http:// or https://", "url", sub
            )
        ]
    if _bytes(url) > MAX_URL_BYTES:
        return [
            _error(
                label,
                f"网址最多 {MAX_URL_BYTES} 字节，现为 {_bytes(url)} 字节",
                f"the URL is {_bytes(url)} bytes, the limit is {MAX_URL_BYTES}",
                "url",
                sub,
            )
        ]
    return []


def clean_menu(menu):
    """The menu as menu/get answers it, without what menu/create does not take (menuid, empty sub_button)."""
    buttons = []
    for button in menu.get("button", []):
        button = {name: value for name, value in button.items() if not (name == "sub_button" and not value)}
        if button.get("sub_button"):
            button["sub_button"] = [
                {name: value for name, value in child.items() if name != "sub_button"} for child in button["sub_button"]
            ]
        buttons.append(button)
    return {"button": buttons}


# -- The admin's operations on WeChat ---------------------------------------------------
def publish(menu_row):
    """menu/create with the row's menu; the row becomes the current one."""
    from .client import get_client
    from .models import Menu

    get_client().menu.create(check_menu(menu_row.menu))
    with transaction.atomic():
        Menu.objects.exclude(pk=menu_row.pk).filter(is_current=True).update(is_current=False)
        menu_row.is_current = True
        menu_row.published_at = timezone.now()
        menu_row.save(update_fields=["is_current", "published_at", "updated_at"])
    return menu_row


def pull():
    """menu/get into a new Menu row (the current one); None when the account has no menu."""
    from .client import get_client
    from .models import Menu

    answer = get_client().menu.get()
    if not answer or not answer.get("menu"):
        forget_current()
        return None
    now = timezone.now()
    with transaction.atomic():
        forget_current()
        return Menu.objects.create(
            name=f"从微信拉取 {timezone.localtime(now):%Y-%m-%d %H:%M}",
            menu=clean_menu(answer["menu"]),
            is_current=True,
            published_at=None,
        )


def delete():
    """menu/delete: the account has no menu any more."""
    from .client import get_client

    get_client().menu.delete()
    forget_current()


def forget_current():
    """No row is the menu on WeChat any more (it was replaced or deleted elsewhere)."""
    from .models import Menu

    Menu.objects.filter(is_current=True).update(is_current=False)
