"""Bad answers stop generation with one clear sentence and leave nothing behind."""

import json
import subprocess
import sys

import pytest

from .conftest import TEMPLATE


def cookiecutter_cli(tmp_path, *args):
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(out), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result, out


def assert_refused(result, out, *phrases):
    assert result.returncode != 0
    message = result.stdout + result.stderr
    for phrase in phrases:
        assert phrase in message, message
    assert not out.exists() or not any(out.iterdir()), "a half-generated project was left behind"


@pytest.mark.parametrize(
    "slug",
    ["My-Project", "MyProject", "1project", "class", "wechat", "my project", "项目"],
)
def test_slug_that_is_not_a_lowercase_identifier_is_refused(tmp_path, slug):
    result, out = cookiecutter_cli(tmp_path, str(TEMPLATE), f"project_slug={slug}")
    assert_refused(result, out, "project_slug")


def test_project_name_that_gives_an_invalid_slug_is_refused(tmp_path):
    result, out = cookiecutter_cli(tmp_path, str(TEMPLATE), "project_name=2024 公众号")
    assert_refused(result, out, "project_slug", "lowercase Python identifier")


def test_quote_in_text_answers_is_refused(tmp_path):
    result, out = cookiecutter_cli(tmp_path, str(TEMPLATE), 'description=say "hi"')
    assert_refused(result, out, "description", "quotes")


@pytest.mark.parametrize("answer", ["layout=flat", "database=mysql", "cache=memcached", "wechat_app_type=work"])
def test_unknown_choice_is_refused(tmp_path, answer):
    result, out = cookiecutter_cli(tmp_path, str(TEMPLATE), answer)
    name, value = answer.split("=")
    assert_refused(result, out, name, value)


def test_non_boolean_is_refused(tmp_path):
    result, out = cookiecutter_cli(tmp_path, str(TEMPLATE), "use_jssdk=maybe")
    assert_refused(result, out, "use_jssdk")


def replayed(tmp_path, **changes):
    """A replay file (as cruft and `cookiecutter --replay` use) with answers changed behind the prompts' back."""
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    answers = {key: value[0] if isinstance(value, list) else value for key, value in context.items()}
    answers.update(project_slug="proj", _template=str(TEMPLATE), _output_dir=str(tmp_path / "out"))
    answers.update(changes)
    answers.pop("__prompts__")
    answers.update(__database_url="sqlite:///db.sqlite3", __cache_url="dbcache://wechat_cache")
    answers.update(__official_account="True", __miniprogram="False", __jssdk="True", __oauth="True")
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": answers}), encoding="utf-8")
    return replay


@pytest.mark.parametrize(
    "changes, phrase",
    [
        ({"layout": "flat"}, "layout must be one of full, single_file"),
        ({"database": "mysql"}, "database must be one of sqlite, postgresql"),
        ({"cache": "memcached"}, "cache must be one of database, redis"),
        ({"wechat_app_type": "work"}, "wechat_app_type must be one of"),
        ({"use_oauth": "sometimes"}, "use_oauth must be yes or no"),
        ({"author_name": "  "}, "author_name must not be empty"),
    ],
)
def test_pre_gen_hook_refuses_values_that_bypass_the_prompts(tmp_path, changes, phrase):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--replay-file",
            str(replayed(tmp_path, **changes)),
            str(TEMPLATE),
            "-o",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_refused(result, tmp_path / "out", phrase)
