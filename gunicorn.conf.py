"""gunicorn settings for the production profile (`gunicorn -c gunicorn.conf.py wsgi:app`).

The app, and with it deduce (the anonymisation guard's de-identification: seconds of loading
and about 1 GB), is loaded once in the master and shared by the workers copy-on-write.
Loaded per worker instead, a busy machine lets the worker timeout kill workers that are
still loading it, and each replacement starts over.
"""

preload_app = True
timeout = 60
keepalive = 30
# The access log (when switched on with --access-logfile) without the tokens of secret links.
logger_class = "leerhuis.access_log.RedactingLogger"


def pre_fork(server, worker):
    # wsgi.py started loading deduce in a background thread; a worker forked halfway would
    # inherit its lock held and wait forever. Fork only once it is loaded.
    from leerhuis.services import anonymisation

    anonymisation.warm_up().join()


def post_fork(server, worker):
    # Database connections must never be shared between processes: drop any the master
    # opened while loading the app (the pool opens fresh ones in the worker).
    from leerhuis.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
