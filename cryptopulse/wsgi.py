"""WSGI entry point: gunicorn serves all HTTP from here."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptopulse.settings")

application = get_wsgi_application()
