from django.apps import AppConfig


class WebConfig(AppConfig):
    """The top layer: the three browser workspaces (caseworker, scanning, archive) and what they share."""

    name = "web"
    verbose_name = "Arbeitsbereiche"
