from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Suche"

    def ready(self):
        from dms.outbox import index_port_register

        from .services import index_remove_documents, outbox_drain

        index_port_register(remove_documents=index_remove_documents, drain=outbox_drain)
