"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from leerhuis import create_app

app = create_app()
