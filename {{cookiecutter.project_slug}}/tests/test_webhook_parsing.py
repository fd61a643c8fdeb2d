"""How the webhook reads a push's XML: flat and nested pushes as xmltodict reads them, hostile ones refused."""

import pytest
import xmltodict

from wechat.webhook import Rejected, parse

HEAD = (
    "<ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[o_user]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime>"
)
PUSHES = {
    "text": f"<xml>{HEAD}<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[ 你好 ]]></Content>"
    "<MsgId>1234567890123456</MsgId></xml>",
    "click": f"<xml>{HEAD}<MsgType>event</MsgType><Event>CLICK</Event><EventKey>MENU_A</EventKey></xml>",
    "empty-field": f"<xml>{HEAD}<MsgType>event</MsgType><Event>subscribe</Event><EventKey></EventKey></xml>",
    "pictures": f"<xml>{HEAD}<MsgType>event</MsgType><Event>pic_sysphoto</Event><EventKey>PHOTO</EventKey>"
    "<SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum>aaa</PicMd5Sum></item>"
    "<item><PicMd5Sum>bbb</PicMd5Sum></item></PicList></SendPicsInfo></xml>",
    "location": f"<xml>{HEAD}<MsgType>event</MsgType><Event>location_select</Event><EventKey>LOC</EventKey>"
    "<SendLocationInfo><Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>15</Scale>"
    "<Label><![CDATA[广州]]></Label><Poiname></Poiname></SendLocationInfo></xml>",
}


@pytest.mark.parametrize("name", PUSHES)
def test_a_push_is_read_as_xmltodict_reads_it(name):
    body = PUSHES[name].encode("utf-8")
    assert parse(body) == dict(xmltodict.parse(body)["xml"])


def test_text_is_stripped_and_empty_content_is_an_empty_string():
    body = f"<xml>{HEAD}<MsgType>text</MsgType><Content>   </Content><MsgId>1</MsgId></xml>".encode()
    assert parse(body)["Content"] == ""
    assert parse(PUSHES["text"].encode())["Content"] == "你好"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(f"<xml>{HEAD}<MsgType>text</MsgType><MsgType>event</MsgType></xml>", id="repeated-field"),
        pytest.param(f"<xml>{HEAD}<MsgType kind='x'>text</MsgType></xml>", id="attribute"),
        pytest.param(f"<xml>{HEAD}<MsgType><a>text</a></MsgType></xml>", id="nested-msgtype"),
        pytest.param(f"<xml>{HEAD}<MsgType>text</MsgType><Content>a\0b</Content></xml>", id="nul-byte"),
        pytest.param(f"<xml>{HEAD}<MsgType>text</MsgType></xml>".encode("utf-16"), id="utf-16"),
        pytest.param(f"<?xml version='1.0'?><!DOCTYPE xml><xml>{HEAD}<MsgType>text</MsgType></xml>", id="doctype"),
    ],
)
def test_hostile_xml_is_refused_with_a_reason(body):
    with pytest.raises(Rejected) as refused:
        parse(body.encode() if isinstance(body, str) else body)
    assert refused.value.status == 400 and refused.value.reason
