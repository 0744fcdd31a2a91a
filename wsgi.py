"""WSGI entry point: ``gunicorn wsgi:app`` (production) and ``flask --app wsgi run`` (make run)."""

from leerhuis import create_app
from leerhuis.services import anonymisation

app = create_app()
# deduce needs seconds to load: do it now in the background, not in the first request.
anonymisation.warm_up()
