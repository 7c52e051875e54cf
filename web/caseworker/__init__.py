"""The caseworker's workspace (Sachbearbeitung): Meine Akten, the Akte page, the document viewer and the search
page (reading side: akten.py, documents.py, search.py); the edit actions live in edits.py."""
