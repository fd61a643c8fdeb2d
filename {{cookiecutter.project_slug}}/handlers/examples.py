# Handlers: edit these, or add your own with the same decorators.
# 消息处理器：修改下面的函数，或用同样的装饰器添加新的处理器。
# Return a str (text reply), a list of articles, a wechatpy reply, or None ("success").
from wechat import router


@router.event("subscribe")
def welcome(message):
    """A user followed the account (关注)."""
    return "欢迎关注！发送任意文字，我会回复你。Welcome! Send me any text."


@router.text()
def echo(message):
    """Any text message: reply with the text received."""
    return f"你说：{message.content}\nYou said: {message.content}"


SURVEY = ["你最常用哪种编程语言？Which programming language do you use most?", "用了几年了？For how many years?"]


@router.text("调查")
def start_survey(message):
    """A two-question survey: the answers so far wait in message.context between messages."""
    message.context["survey"] = []
    return "小调查开始！A short survey!\n" + SURVEY[0]


@router.text(when=lambda message: "survey" in message.context)
def answer_survey(message):
    answers = message.context["survey"]
    answers.append(message.content)
    if len(answers) < len(SURVEY):
        return SURVEY[len(answers)]
    del message.context["survey"]
    return "谢谢！Thanks! " + " / ".join(answers)
