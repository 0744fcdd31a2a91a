"""gunicorn settings for the hello-world baseline: none. Without this file gunicorn would
read the project's gunicorn.conf.py, whose hooks load the whole portal (and deduce) into
the baseline's processes."""
