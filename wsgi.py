"""Entry point for `flask --app wsgi` and gunicorn (`gunicorn wsgi:app`)."""

from depot.app import create_app

app = create_app()
