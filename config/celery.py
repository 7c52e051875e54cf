"""Celery app: used only when DMS_BROKER_URL is set (production); embedded mode uses a local process pool."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
app = Celery("eakte")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
