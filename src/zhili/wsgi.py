"""The WSGI application for gunicorn (or any WSGI server): ``zhili.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
application = get_wsgi_application()

# Import the URLconf, and with it every view module, now: Django would do it on each server
# process's first request, which then takes seconds (the report and routing modules are large).
# With gunicorn's --preload this happens once, before the workers are forked.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - the import is the point
