"""`ocr_redo DOCUMENT_ID --user NAME [--json]`: OCR a stored document again, every page (a new version with the
same original); what the review queue's "OCR wiederholen" calls."""

from django.core.management.base import CommandError

from akten.models import Document
from dms.management.base import JsonCommand
from scan_ingest.redo import RedoRefused, document_reocr


class Command(JsonCommand):
    help = "OCR a stored document again (all pages, also those with a text layer): a new version."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("document", type=int, help="document id")
        parser.add_argument("--user", required=True, help="who redoes it (scanning team or admin)")
        parser.add_argument("--workers", type=int, default=1, help="page worker processes")

    def run(self, **options):
        user = self.user(options["user"])
        document = Document.objects.filter(pk=options["document"]).first()
        if document is None:
            raise CommandError(f"no document {options['document']}")
        try:
            version = document_reocr(document=document, by=user, workers=options["workers"])
        except RedoRefused as exc:
            raise CommandError(str(exc)) from None
        except Document.DoesNotExist:
            raise CommandError(f"no document {options['document']}") from None
        return {
            "document": document.pk,
            "version": version.number,
            "pages": version.pages.count(),
            "rendition": version.rendition.sha256 if version.rendition else None,
        }

    def render(self, result):
        self.stdout.write(
            f"Dokument {result['document']}: OCR wiederholt, Version {result['version']} ({result['pages']} Seiten)."
        )
