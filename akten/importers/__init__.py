"""Importers of the records domain (the Aktenplan); see dms/importers for the shared error type."""
