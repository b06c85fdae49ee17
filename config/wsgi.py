import os

from django.core.wsgi import get_wsgi_application

# Production by default (it refuses an insecure configuration); `make run` sets config.settings.demo.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
application = get_wsgi_application()
