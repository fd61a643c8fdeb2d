"""Your app, ``core``: installed, with its migrations in step with its models. Add your own tests here."""

from django.apps import apps
from django.core.management import call_command


def test_the_core_app_is_installed():
    assert apps.get_app_config("core").name == "core"


def test_the_models_have_their_migrations(db):
    call_command("makemigrations", "core", "--check", "--dry-run", verbosity=0)  # SystemExit(1) when one is missing
