# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""Permanent materials (永久素材) and drafts (草稿): the Material table mirrors WeChat's lists.

``sync()`` reads every material of every type (``get_materialcount``, then
``batchget_material`` 20 at a time) and every draft of the draft box, where
accounts made since 2021 keep their articles (``draft/count``, then
``draft/batchget``, which wechatpy has no method for), creates or updates its
row, and removes the rows of those deleted on WeChat: run it twice and nothing changes.
``upload_image(file)`` adds an image (``add_material``) and its row.

To let staff pick a material in another admin form (an auto-reply rule, say)::

    from wechat.materials import MediaIdField

    class RuleForm(forms.ModelForm):
        media_id = MediaIdField("image", required=False)

Or keep a free-text media_id (one field for images, voice and video) and
suggest the synced materials as the user types::

    class Meta:
        widgets = {"media_id": MediaIdWidget(("image", "voice", "video"))}

``media_id_choices(kind)`` gives the same choices for a form of your own.
"""

import datetime
from pathlib import PurePath

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from .client import get_client
from .models import Material

PAGE = 20  # batchget_material answers at most 20 at a time
KINDS = [kind for kind, _ in Material.Kind.choices]
# What WeChat accepts as a permanent image: at most 10 MB, bmp/png/jpeg/jpg/gif (checked by content).
MAX_IMAGE_BYTES = 10 * 1024 * 1024
IMAGE_SIGNATURES = {
    b"\xff\xd8\xff": "jpg",
    b"\x89PNG\r\n\x1a\n": "png",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
    b"BM": "bmp",
}


def _time(unix):
    return datetime.datetime.fromtimestamp(int(unix), tz=datetime.timezone.utc) if unix else None


def _fields(kind, item, now):
    fields = {"kind": kind, "update_time": _time(item.get("update_time")), "synced_at": now}
    if kind in ("news", "draft"):
        articles = (item.get("content") or {}).get("news_item") or []
        fields["articles"] = articles
        fields["name"] = (articles[0].get("title") if articles else "") or ""
        fields["url"] = (articles[0].get("url") if articles else "") or ""
    else:
        fields["name"] = item.get("name") or ""
        fields["url"] = item.get("url") or ""
        fields["articles"] = []
    fields["name"] = fields["name"][:200]
    fields["url"] = fields["url"][:1000]
    return fields


def fetch(kind):
    """Every material of ``kind`` on WeChat, page after page."""
    client = get_client()
    items, offset = [], 0
    while True:
        if kind == Material.Kind.DRAFT:
            page = client.post("draft/batchget", data={"offset": offset, "count": PAGE, "no_content": 1})
        else:
            page = client.material.batchget(kind, offset=offset, count=PAGE)
        batch = page.get("item") or []
        items += batch
        offset += len(batch)
        if not batch or offset >= int(page.get("total_count") or 0):
            return items


def sync(kinds=None):
    """Mirror WeChat's materials of ``kinds`` (all by default); {kind: number of materials}."""
    kinds = kinds or KINDS
    client = get_client()
    counts = client.material.get_count()
    if Material.Kind.DRAFT in kinds:
        counts["draft_count"] = client.get("draft/count").get("total_count", 0)
    result = {}
    for kind in kinds:
        items = fetch(kind) if counts.get(f"{kind}_count") else []
        now = timezone.now()
        with transaction.atomic():
            seen = set()
            for item in items:
                seen.add(item["media_id"])
                Material.objects.update_or_create(media_id=item["media_id"], defaults=_fields(kind, item, now))
            Material.objects.filter(kind=kind).exclude(media_id__in=seen).delete()
        result[kind] = len(seen)
    return result


def image_problem(upload):
    """Why WeChat would refuse this file as an image, or None."""
    if upload.size > MAX_IMAGE_BYTES:
        return f"图片最大 10 MB，这个文件 {upload.size / 1024 / 1024:.1f} MB / The image is over 10 MB"
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in IMAGE_SIGNATURES):
        return "只能上传 JPG、PNG、GIF 或 BMP 图片 / Only JPG, PNG, GIF or BMP images"
    return None


def add_image(upload, name=""):
    """add_material (type image) with a Django ``UploadedFile``: WeChat's answer, with media_id and url.

    WeChat names the material after the file, so a ``name`` given is sent as the file's name
    (with the file's extension): a later sync keeps it.
    """
    filename = upload.name
    if name:
        suffix = PurePath(upload.name).suffix
        filename = name if name.lower().endswith(suffix.lower()) else name + suffix
    answer = get_client().material.add("image", (filename, upload, upload.content_type or "image/jpeg"))
    return {**answer, "name": filename}


def upload_image(upload, name=""):
    """add_material (type image), then its Material row."""
    answer = add_image(upload, name)
    now = timezone.now()
    material, _ = Material.objects.update_or_create(
        media_id=answer["media_id"],
        defaults={
            "kind": "image",
            "name": answer["name"][:200],
            "url": answer.get("url", "")[:1000],
            "update_time": now,
            "synced_at": now,
        },
    )
    return material


def delete(material):
    """del_material, then the row."""
    get_client().material.delete(material.media_id)
    material.delete()


# -- Picking a material in another form ---------------------------------------------------------------------------
def media_id_choices(kind):
    """[(media_id, label)] of the synced materials of ``kind`` ("image", "voice", "video" or "news")."""
    label = dict(Material.Kind.choices)[kind]
    return [
        (media_id, f"{name or media_id}（{label} {media_id[:12]}…）")
        for media_id, name in Material.objects.filter(kind=kind).values_list("media_id", "name")
    ]


class MediaIdField(forms.ChoiceField):
    """A select of the synced materials of one kind; the value is the media_id.

    The choices are read each time a form is built, so a sync shows up at once.
    A media_id already saved but no longer listed stays selectable, marked as such.
    """

    def __init__(self, kind, **kwargs):
        self.kind = kind
        kwargs.setdefault("label", f"{dict(Material.Kind.choices)[kind]}素材")
        kwargs.setdefault("help_text", "从已同步的素材中选择；列表为空时，先在“素材”页面点“从微信同步素材”。")
        super().__init__(choices=self._choices, **kwargs)

    def _choices(self):
        return [("", "---------"), *media_id_choices(self.kind)]

    def prepare_value(self, value):
        if value and value not in dict(self.choices):
            self.choices = [*self.choices, (value, f"{value}（本地未找到，请同步素材）")]
        return super().prepare_value(value)


class MediaIdWidget(forms.TextInput):
    """A text input for a media_id that suggests the synced materials of ``kinds`` (an HTML datalist).

    Any value can still be typed (a media_id not synced yet); the suggestions are read at each render.
    """

    def __init__(self, kinds=("image", "voice", "video", "news"), attrs=None):
        super().__init__({"size": 60, **(attrs or {})})
        self.kinds = tuple(kinds)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or 'id_' + name}_materials"
        attrs["list"] = list_id
        suggestions = [choice for kind in self.kinds for choice in media_id_choices(kind)]
        options = format_html_join("", '<option value="{}">{}</option>', suggestions)
        return format_html(
            '{}<datalist id="{}">{}</datalist>', super().render(name, value, attrs, renderer), list_id, options
        )
