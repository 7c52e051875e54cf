from django.apps import AppConfig


class AktenConfig(AppConfig):
    name = "akten"
    verbose_name = "Akten"

    def ready(self):
        from . import signals  # noqa: F401
