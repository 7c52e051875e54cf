from django.apps import AppConfig


class DmsConfig(AppConfig):
    name = "dms"

    def ready(self):
        from . import auth_audit, checks  # noqa: F401  (login audit receivers, deployment checks)
