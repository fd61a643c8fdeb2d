"""Settings: ``local`` (manage.py's default), ``production`` (wsgi/asgi), ``test`` (pytest)."""
