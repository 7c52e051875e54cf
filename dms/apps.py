from django.apps import AppConfig


class DmsConfig(AppConfig):
    name = "dms"
