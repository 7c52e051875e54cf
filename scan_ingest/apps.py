from django.apps import AppConfig


class ScanIngestConfig(AppConfig):
    name = "scan_ingest"
