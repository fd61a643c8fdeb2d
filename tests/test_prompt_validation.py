"""Bad answers stop generation with one clear sentence and leave nothing behind."""

import ast
import json
import keyword
import re
import subprocess
import sys

import pytest
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config

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


def derived_slug(project_name):
    """The project_slug cookiecutter derives from ``project_name`` with --no-input (nothing generated)."""
    context = generate_context(str(TEMPLATE / "cookiecutter.json"), extra_context={"project_name": project_name})
    return prompt_for_config(context, no_input=True)["project_slug"]


def slug_rule_passes(slug):
    """The pre-generation hook's own rule for project_slug."""
    hook = (TEMPLATE / "hooks" / "pre_gen_project.py").read_text()
    reserved = ast.literal_eval(re.search(r"RESERVED_SLUGS = (\{.*?\})", hook, re.S).group(1))
    return bool(re.fullmatch(r"[a-z_][a-z0-9_]*", slug)) and not keyword.iskeyword(slug) and slug not in reserved


@pytest.mark.parametrize(
    "project_name, slug",
    [
        ("WeChat Django Project", "wechat_django_project"),
        ("我的公众号", "wo_de_gong_zhong_hao"),
        ("2024 公众号", "wechat_2024_gong_zhong_hao"),
        ("My-App v2.0", "my_app_v2_0"),
        ("Café Bot", "cafe_bot"),
        ("class", "wechat_class"),
        ("Wechat", "wechat_wechat"),
        ("😀！", "wechat_project"),
        ("", "wechat_project"),
    ],
)
def test_the_slug_derived_from_any_project_name_is_valid(project_name, slug):
    assert derived_slug(project_name) == slug
    assert slug_rule_passes(slug)


def test_a_chinese_project_name_generates_a_project(tmp_path):
    result, out = cookiecutter_cli(tmp_path, str(TEMPLATE), "project_name=我的公众号")
    assert result.returncode == 0, result.stderr
    assert (out / "wo_de_gong_zhong_hao" / "manage.py").exists()
    assert "我的公众号" in (out / "wo_de_gong_zhong_hao" / "README.md").read_text()


def test_an_empty_project_name_is_named_as_the_problem(tmp_path):
    # As the quick start runs it: -o a directory that has files (with an empty slug cookiecutter said it "exists").
    out = tmp_path / "out"
    out.mkdir()
    (out / "someone_elses_file").write_text("")
    result, _ = cookiecutter_cli(tmp_path, str(TEMPLATE), "project_name=")
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "project_name must not be empty" in message and "already exists" not in message, message
    assert sorted(path.name for path in out.iterdir()) == ["someone_elses_file"]


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
