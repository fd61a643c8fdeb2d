# Handlers: edit these, or add your own with the same decorators.
# 消息处理器：修改下面的函数，或用同样的装饰器添加新的处理器。
# Return a str (text reply), a list of articles, a wechatpy reply, or None ("success").
import logging

import requests
from django.conf import settings

from wechat import router

logger = logging.getLogger("wechat.handler")


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


# --- An LLM chatbot 大模型对话示例 (off until LLM_API_URL is set) -------------------------------
LLM_SYSTEM_PROMPT = "You are the assistant of a WeChat official account. Answer briefly, in the user's language."


def ask_llm(history):
    """Send the conversation to an OpenAI-compatible chat API; return the answer's text.

    调用兼容 OpenAI 的对话接口（LLM_API_URL、LLM_API_KEY、LLM_MODEL），返回回答的文字。
    Raises requests.RequestException when the API fails or does not answer in time.
    """
    response = requests.post(
        settings.LLM_API_URL,  # e.g. https://api.deepseek.com/chat/completions
        headers={"Authorization": f"Bearer {settings.LLM_API_KEY}"},
        json={"model": settings.LLM_MODEL, "messages": [{"role": "system", "content": LLM_SYSTEM_PROMPT}, *history]},
        timeout=(5, 60),  # seconds to connect, seconds between bytes of the answer: never wait forever
    )
    response.raise_for_status()
    return response.json()["choices"][0]["message"]["content"]


def chat(message):
    """问 <question> / ask <question>: a model answers, and remembers the conversation.

    大模型对话：defer=True 让它在后台任务里运行，微信立即收到 ack（"正在思考…"），
    回答稍后以客服消息发出。对话记录保存在 message.context 中。
    Runs in a task (defer=True): WeChat gets the ack at once, the answer follows as a
    customer-service message. The conversation so far waits in message.context.
    """
    question = message.match.group(1)  # what the regex below captured after 问 / ask
    history = [*message.context.get("llm_history", []), {"role": "user", "content": question}]
    try:
        answer = ask_llm(history)
    except (requests.RequestException, ValueError, LookupError, TypeError):  # no answer, or not the expected JSON
        logger.exception("The chat API failed")
        return "抱歉，暂时无法回答，请稍后再试。Sorry, no answer right now: please try again later."
    history.append({"role": "assistant", "content": answer})
    message.context["llm_history"] = history[-10:]  # keep the last 5 questions and answers
    return answer


# Registered only when LLM_API_URL is set (.env): out of the box the project calls no outside API.
# Without the `if`, this is the usual decorator: @router.text(regex=..., defer=True, ack=...).
# The answer goes out as a customer-service message: the account needs that API (认证的公众号).
if settings.LLM_API_URL:
    router.text(regex=r"(?is)^(?:问|ask)[\s:：]+(.+)", defer=True, ack="正在思考…")(chat)
