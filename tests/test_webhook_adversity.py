"""The webhook's promise, tried as an attacker and as WeChat's retries would, over real HTTP against
gunicorn with 4 workers and production settings: every push handled exactly once, no replayed or
forged push accepted, a reply never given to the wrong push, never a 5xx for anything a client can send.

Handler runs are counted across processes by the probe in ``webhook_site``; each case prints its
duplicate and lost counts (``pytest -rP`` shows them).
"""

import time

import pytest

from .webhook_site import ACCOUNT, WORKERS, prepare, serve, statuses, tally

TRIALS = 15


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("adversity")
    project, env = prepare(tmp_path)
    with serve(project, env, tmp_path / "gunicorn.log") as site:
        yield site


def no_server_errors(answers):
    return [answer for answer in answers if answer.status == 0 or answer.status >= 500]


@pytest.mark.slow
def test_the_same_push_sent_four_times_at_once_runs_once_and_the_others_are_replays(site):
    trials = []
    for trial in range(TRIALS):
        content = f"probe identical-{trial}"
        trials.append((content, site.burst([site.wire.text(content)] * WORKERS)))
    answers = [answer for _, trial_answers in trials for answer in trial_answers]
    runs, duplicates, lost = tally(site.runs(), [content for content, _ in trials])
    print(
        f"\n[concurrent identical] trials={TRIALS} runs={runs} duplicates={duplicates} lost={lost} "
        f"statuses={statuses(answers)}"
    )
    assert not no_server_errors(answers)
    assert (duplicates, lost) == (0, 0)
    for content, trial_answers in trials:
        assert sorted(answer.status for answer in trial_answers) == [200, 403, 403, 403], trial_answers
        assert [answer.reply for answer in trial_answers if answer.status == 200] == [f"saw {content}"]
        assert all("replay" in answer.body for answer in trial_answers if answer.status == 403)


@pytest.mark.slow
def test_immediate_sequential_replays_are_refused(site):
    content = "probe replayed"
    push = site.wire.text(content)
    first, *replays = [site.send(push) for _ in range(21)]
    runs, duplicates, lost = tally(site.runs(), [content])
    accepted = sum(answer.status == 200 for answer in replays)
    print(
        f"\n[sequential replays] replays={len(replays)} accepted={accepted} runs={runs} "
        f"duplicates={duplicates} lost={lost} statuses={statuses([first, *replays])}"
    )
    assert first.status == 200 and first.reply == f"saw {content}"
    assert [answer.status for answer in replays] == [403] * 20
    assert all("replay" in answer.body for answer in replays)
    assert runs == 1


@pytest.mark.slow
def test_retries_of_one_message_reaching_four_workers_at_once_run_once_and_share_the_reply(site):
    # WeChat's retries: the same message (same MsgId and CreateTime), each with a new timestamp and nonce.
    trials = []
    for trial in range(TRIALS):
        content = f"probe retried-{trial}"
        fields = site.wire.plain.text_fields(content)
        trials.append((content, site.burst([site.wire.push(fields) for _ in range(WORKERS)])))
    answers = [answer for _, trial_answers in trials for answer in trial_answers]
    runs, duplicates, lost = tally(site.runs(), [content for content, _ in trials])
    print(
        f"\n[same MsgId, new nonces] trials={TRIALS} runs={runs} duplicates={duplicates} lost={lost} "
        f"statuses={statuses(answers)}"
    )
    assert not no_server_errors(answers)
    assert (duplicates, lost) == (0, 0)
    for content, trial_answers in trials:
        assert [(answer.status, answer.reply) for answer in trial_answers] == [(200, f"saw {content}")] * WORKERS


@pytest.mark.slow
def test_one_captured_plain_signature_carries_at_most_one_forged_body(site):
    # In plain mode the signature covers token, timestamp and nonce, not the body: an eavesdropper can
    # put any body under a captured query. The (timestamp, nonce) claim lets one through at most.
    trials = []
    for trial in range(TRIALS):
        contents = [f"probe forged-{trial}-{n}" for n in range(WORKERS)]
        captured = site.wire.text(contents[0])
        forged = [site.wire.text(content) for content in contents]
        pushes = [type(captured)(captured.query, push.body) for push in forged]
        trials.append((contents, site.burst(pushes)))
    answers = [answer for _, trial_answers in trials for answer in trial_answers]
    runs = site.runs()
    accepted = [sum(answer.status == 200 for answer in trial_answers) for _, trial_answers in trials]
    ran = [sum(runs[content] for content in contents) for contents, _ in trials]
    print(
        f"\n[forged bodies, one signature] trials={TRIALS} bodies={len(answers)} accepted={sum(accepted)} "
        f"runs={sum(ran)} extra_runs={sum(max(0, count - 1) for count in ran)} statuses={statuses(answers)}"
    )
    assert not no_server_errors(answers)
    assert max(accepted) <= 1 and max(ran) <= 1
    assert all(answer.status in (200, 403) for answer in answers)


@pytest.mark.slow
def test_two_clicks_of_one_user_in_the_same_second_run_twice_with_their_own_replies(site):
    trials = []
    for trial in range(10):
        for how in ("sequential", "concurrent"):
            now = int(time.time())
            keys = [f"{how}_{trial}_A", f"{how}_{trial}_B"]
            pushes = [site.wire.push(site.wire.plain.event_fields("CLICK", key=key, create_time=now)) for key in keys]
            answers = [site.send(push) for push in pushes] if how == "sequential" else site.burst(pushes)
            # WeChat's retry of the first click (same fields, new nonce): the same reply, no second run.
            retry = site.send(site.wire.push(site.wire.plain.event_fields("CLICK", key=keys[0], create_time=now)))
            trials.append((keys, answers, retry))
    runs, duplicates, lost = tally(site.runs(), [key for keys, _, _ in trials for key in keys])
    replies = [(key, answer.reply) for keys, answers, _ in trials for key, answer in zip(keys, answers, strict=True)]
    wrong = sum(reply != f"saw key {key}" for key, reply in replies)
    wrong_retries = sum(retry.reply != f"saw key {keys[0]}" for keys, _, retry in trials)
    every = [answer for _, answers, retry in trials for answer in (*answers, retry)]
    print(
        f"\n[two clicks, one second] trials={len(trials)} runs={runs} duplicates={duplicates} lost={lost} "
        f"wrong_replies={wrong} wrong_retry_replies={wrong_retries} statuses={statuses(every)}"
    )
    assert not no_server_errors(every)
    assert (duplicates, lost, wrong, wrong_retries) == (0, 0, 0, 0)


def text_xml(msg_id, create_time=None, to=ACCOUNT, content="probe hostile"):
    create_time = int(time.time()) if create_time is None else create_time
    return (
        f"<xml><ToUserName>{to}</ToUserName><FromUserName><![CDATA[o_test_user]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def nested(inner, depth=6000):
    return "<a>" * depth + inner + "</a>" * depth


@pytest.mark.slow
def test_validly_signed_pushes_with_hostile_fields_get_400_and_leave_nothing_behind(site):
    refused = []
    follow_ups = []
    for encrypted in (False, True):
        mode = "safe" if encrypted else "plain"
        # Valid MsgIds carried by hostile pushes: a normal push with the same MsgId must work afterwards.
        kept = {name: 7_000_000_000_000_000 + n + 10 * encrypted for n, name in enumerate(("time", "to"))}
        hostile = {
            "MsgId abc": text_xml("abc", content=f"probe hostile-{mode}-abc"),
            "MsgId of 5000 digits": text_xml("9" * 5000, content=f"probe hostile-{mode}-long"),
            "CreateTime of 400 digits": text_xml(kept["time"], "1" * 400, content=f"probe hostile-{mode}-t"),
            "MsgId 6000 deep": text_xml(nested("1"), content=f"probe hostile-{mode}-deep"),
            "ToUserName 6000 deep": text_xml(kept["to"], to=nested(ACCOUNT), content=f"probe hostile-{mode}-to"),
        }
        for name, xml in hostile.items():
            refused.append((f"{name} ({mode})", site.send(site.wire.raw(xml, encrypted))))
        for name, msg_id in kept.items():
            # Sent to every worker at once (as WeChat's retries may be): none may hold the MsgId "in progress".
            content = f"probe after-hostile-{mode}-{name}"
            fields = site.wire.plain.text_fields(content, MsgId=msg_id)
            for answer in site.burst([site.wire.push(fields, encrypted) for _ in range(WORKERS)]):
                follow_ups.append((content, answer))
    runs = site.runs()
    hostile_runs = sum(count for label, count in runs.items() if label.startswith("probe hostile-"))
    after_runs, after_duplicates, after_lost = tally(runs, sorted({content for content, _ in follow_ups}))
    answers = [answer for _, answer in refused]
    print(
        f"\n[signed hostile fields] pushes={len(refused)} statuses={statuses(answers)} handler_runs={hostile_runs}; "
        f"same MsgId afterwards: pushes={len(follow_ups)} statuses={statuses([a for _, a in follow_ups])} "
        f"runs={after_runs} duplicates={after_duplicates} lost={after_lost}"
    )
    for name, answer in refused:
        print(f"    {name}: {answer.status} {answer.body[:80]!r}")
    assert not no_server_errors(answers + [answer for _, answer in follow_ups])
    assert [(name, answer.status) for name, answer in refused] == [(name, 400) for name, _ in refused]
    assert all(answer.body.strip() for answer in answers)  # a reason
    assert hostile_runs == 0
    assert [(answer.status, answer.reply) for _, answer in follow_ups] == [(200, f"saw {c}") for c, _ in follow_ups]
    assert (after_duplicates, after_lost) == (0, 0)
