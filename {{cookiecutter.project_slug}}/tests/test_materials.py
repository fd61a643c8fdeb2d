"""Permanent materials: sync from the fake WeChat, image upload in the admin, the media_id picker."""

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wechat import materials
from wechat.models import Material

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # enough of a PNG for WeChat's type check


@pytest.fixture
def seeded(fake_wechat):
    """25 images (two pages of 20), a voice, a video and two news materials on the fake WeChat."""
    ids = {
        "image": [fake_wechat.add_material("image", name=f"图{i}.jpg", update_time=1700000000 + i) for i in range(25)],
        "voice": [fake_wechat.add_material("voice", name="欢迎.mp3")],
        "video": [fake_wechat.add_material("video", name="介绍.mp4")],
        "news": [
            fake_wechat.add_material("news", articles=[{"title": "春季活动", "url": "https://mp.weixin.qq.com/s/a"}]),
            fake_wechat.add_material("news", articles=[{"title": "新品", "url": "https://mp.weixin.qq.com/s/b"}]),
        ],
    }
    return fake_wechat, ids


def test_sync_mirrors_every_material_page_by_page(seeded):
    fake, ids = seeded
    assert materials.sync() == {"image": 25, "voice": 1, "video": 1, "news": 2, "draft": 0}
    assert fake.calls["cgi-bin/material/batchget_material"] == 5  # 2 pages of images + 1 per other type
    for kind, media_ids in ids.items():
        assert set(Material.objects.filter(kind=kind).values_list("media_id", flat=True)) == set(media_ids)
    image = Material.objects.get(media_id=ids["image"][3])
    assert image.name == "图3.jpg" and image.url == fake.materials[ids["image"][3]]["url"]
    assert image.update_time.timestamp() == 1700000003
    news = Material.objects.get(media_id=ids["news"][0])
    assert news.name == "春季活动" and news.articles[0]["url"] == "https://mp.weixin.qq.com/s/a"


def test_sync_twice_makes_no_duplicates_and_follows_deletions(seeded):
    fake, ids = seeded
    materials.sync()
    first = dict(Material.objects.values_list("media_id", "pk"))
    materials.sync()
    assert dict(Material.objects.values_list("media_id", "pk")) == first  # same rows, not new ones
    del fake.materials[ids["image"][0]]
    fake.materials[ids["voice"][0]]["name"] = "新名字.mp3"
    materials.sync()
    assert Material.objects.count() == 28
    assert not Material.objects.filter(media_id=ids["image"][0]).exists()
    assert Material.objects.get(media_id=ids["voice"][0]).name == "新名字.mp3"


def test_a_failed_sync_removes_nothing(seeded):
    fake, ids = seeded
    materials.sync()
    fake.materials.clear()
    fake.fail("cgi-bin/material/get_materialcount", -1)
    with pytest.raises(Exception, match="-1|system"):
        materials.sync()
    assert Material.objects.count() == 29


def test_upload_an_image_in_the_admin(admin_client, fake_wechat):
    upload = SimpleUploadedFile("海报.png", PNG, content_type="image/png")
    response = admin_client.post(reverse("admin:wechat_material_add"), {"name": "", "image": upload})
    assert response.status_code == 302, response.content.decode()[-2000:]
    material = Material.objects.get()
    assert material.kind == "image" and material.name == "海报.png"
    assert fake_wechat.materials[material.media_id]["data"] == PNG
    assert material.url == fake_wechat.materials[material.media_id]["url"]
    listing = admin_client.get(reverse("admin:wechat_material_changelist")).content.decode()
    assert f'<img src="{material.url}" referrerpolicy="no-referrer"' in listing
    materials.sync()
    assert list(Material.objects.values_list("media_id", "name")) == [(material.media_id, "海报.png")]


def test_an_uploaded_image_keeps_its_name_through_a_sync(admin_client, fake_wechat):
    upload = SimpleUploadedFile("IMG_0001.PNG", PNG, content_type="image/png")
    admin_client.post(reverse("admin:wechat_material_add"), {"name": "春季海报", "image": upload})
    assert Material.objects.get().name == "春季海报.PNG"
    materials.sync()
    assert Material.objects.get().name == "春季海报.PNG"


def test_a_file_that_is_not_an_image_is_refused_before_wechat(admin_client, fake_wechat):
    upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    response = admin_client.post(reverse("admin:wechat_material_add"), {"name": "x", "image": upload})
    assert response.status_code == 200
    assert "只能上传 JPG、PNG、GIF 或 BMP 图片" in response.content.decode()
    assert fake_wechat.calls["cgi-bin/material/add_material"] == 0
    assert not Material.objects.exists()


def test_wechat_refusing_an_upload_is_a_form_error(admin_client, fake_wechat):
    fake_wechat.fail("cgi-bin/material/add_material", 45009)
    upload = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    response = admin_client.post(reverse("admin:wechat_material_add"), {"name": "a", "image": upload})
    assert response.status_code == 200
    assert "WeChat refused: errcode 45009" in response.content.decode()
    assert not Material.objects.exists()


def test_the_sync_button_and_the_list_filters(admin_client, seeded):
    response = admin_client.post(reverse("admin:wechat_material_sync"), follow=True)
    html = response.content.decode()
    assert "已从微信同步素材：图片 25，语音 1，视频 1，图文 2" in html
    assert "从微信同步素材" in html and "上传图片" in html
    voices = admin_client.get(reverse("admin:wechat_material_changelist"), {"kind__exact": "voice"}).content.decode()
    assert "欢迎.mp3" in voices and "图1.jpg" not in voices
    found = admin_client.get(reverse("admin:wechat_material_changelist"), {"q": "春季"}).content.decode()
    assert "春季活动" in found and "欢迎.mp3" not in found
    assert admin_client.get(reverse("admin:wechat_material_sync")).status_code == 403  # POST only


def test_a_synced_material_opens_read_only(admin_client, seeded):
    materials.sync()
    image = Material.objects.filter(kind="image").first()
    response = admin_client.get(reverse("admin:wechat_material_change", args=[image.pk]))
    assert response.status_code == 200
    assert image.media_id in response.content.decode()
    assert 'name="media_id"' not in response.content.decode()


def test_delete_on_wechat_action(admin_client, seeded):
    fake, ids = seeded
    materials.sync()
    doomed = Material.objects.get(media_id=ids["voice"][0])
    response = admin_client.post(
        reverse("admin:wechat_material_changelist"),
        {"action": "delete_on_wechat", "_selected_action": [doomed.pk]},
        follow=True,
    )
    assert "已在微信上删除 1 个素材" in response.content.decode()
    assert ids["voice"][0] not in fake.materials
    assert not Material.objects.filter(pk=doomed.pk).exists()


def test_pick_a_media_id_from_the_synced_materials(seeded):
    fake, ids = seeded
    materials.sync()

    class RuleForm(forms.Form):
        media_id = materials.MediaIdField("voice")

    form = RuleForm()
    assert [value for value, _ in form.fields["media_id"].choices] == ["", ids["voice"][0]]
    assert "欢迎.mp3" in str(form)
    assert RuleForm({"media_id": ids["voice"][0]}).is_valid()
    assert not RuleForm({"media_id": ids["image"][0]}).is_valid()  # an image is not a voice
    assert {value for value, _ in materials.media_id_choices("image")} == set(ids["image"])


def test_the_picker_follows_a_sync_without_a_restart(seeded):
    fake, ids = seeded

    class RuleForm(forms.Form):
        media_id = materials.MediaIdField("video", required=False)

    assert len(list(RuleForm().fields["media_id"].choices)) == 1  # nothing synced yet
    materials.sync()
    assert len(list(RuleForm().fields["media_id"].choices)) == 2


def test_the_fake_server_command_seeds_materials_to_sync(fake_wechat):
    from wechat.management.commands.wechat_fake_server import seed_materials

    seed_materials(fake_wechat, 22)
    assert materials.sync() == {"image": 22, "voice": 1, "video": 1, "news": 1, "draft": 0}


def test_the_fake_pages_as_wechat_does(fake_wechat):
    from wechatpy.exceptions import WeChatClientException

    from wechat.client import get_client

    for number in range(3):
        fake_wechat.add_material("image", update_time=1700000000 + number)
    page = get_client().material.batchget("image", offset=1, count=1)
    assert (page["total_count"], page["item_count"]) == (3, 1)
    assert page["item"][0]["update_time"] == 1700000001  # newest first
    with pytest.raises(WeChatClientException) as refused:
        get_client().material.batchget("image", offset=0, count=21)
    assert refused.value.errcode == 47001
    with pytest.raises(WeChatClientException) as refused:
        get_client().material.delete("no-such-media")
    assert refused.value.errcode == 40007


def test_a_free_text_media_id_suggests_the_synced_materials(seeded):
    fake, ids = seeded
    materials.sync()

    class RuleForm(forms.Form):
        media_id = forms.CharField(widget=materials.MediaIdWidget(("voice", "video")))

    html = str(RuleForm(initial={"media_id": "typed-by-hand"})["media_id"])
    assert 'list="id_media_id_materials"' in html and 'value="typed-by-hand"' in html
    assert f'<option value="{ids["voice"][0]}">欢迎.mp3' in html
    assert f'<option value="{ids["video"][0]}">' in html
    assert ids["image"][0] not in html  # only the kinds asked for
    assert RuleForm({"media_id": "not-synced-yet"}).is_valid()


def test_drafts_are_synced_with_their_articles_and_follow_deletions(fake_wechat):
    article = {"title": "草稿里的文章", "url": "https://mp.weixin.qq.com/s/d", "content": "<p>正文</p>"}
    drafts = [fake_wechat.add_material("draft", articles=[article], update_time=1700000000 + i) for i in range(21)]
    assert materials.sync()["draft"] == 21
    assert materials.sync()["draft"] == 21  # twice: the same rows
    assert fake_wechat.calls["cgi-bin/draft/batchget"] == 4  # 2 pages, twice
    rows = Material.objects.filter(kind="draft")
    assert set(rows.values_list("media_id", flat=True)) == set(drafts)
    first = rows.get(media_id=drafts[0])
    assert first.name == "草稿里的文章" and first.url == article["url"]
    assert "content" not in first.articles[0]  # the article's HTML stays on WeChat
    del fake_wechat.materials[drafts[0]]
    materials.sync()
    assert not Material.objects.filter(media_id=drafts[0]).exists()
