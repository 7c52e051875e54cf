"""`demo_setup`'s rules: the demo municipality (departments, users, Aktenplan, Akten) for `make run`.
Idempotent: a second run changes nothing. Some Akten were closed years ago, so they are due for Aussonderung
today; one is held."""

import io
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from akten.documents import document_create
from akten.models import Akte, AkteState, Hold, Vorgang
from akten.services import akte_close, akte_create, akte_set_fristbeginn, aktenplan_unit_upsert, hold_place
from demo.data import AKTEN, AKTENPLAN, DEPARTMENTS, LOGIN_URL, USERS
from dms.models import Department
from dms.services import department_upsert, stored_object_put, user_upsert
from search.services import outbox_drain


def demo_pdf(title: str, aktenzeichen: str) -> tuple[bytes, str]:
    """A one-page image PDF with the document's title, and the text a scan's OCR would give."""
    text = f"Stadt Musterstadt\n{aktenzeichen}\n{title}\nDies ist ein Demo-Dokument."
    image = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    ImageDraw.Draw(image).multiline_text((120, 160), text, fill=0, font=ImageFont.load_default(size=40), spacing=24)
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=150)
    return out.getvalue(), text


def setup(*, password: str) -> dict:
    """Create what is missing of the demo municipality, index it, and return the logins and counts."""
    with transaction.atomic():
        for code, name in DEPARTMENTS:
            department_upsert(code=code, name=name)
        for username, departments, roles, _ in USERS:
            user_upsert(username=username, password=password, departments=departments, roles=roles)
        depts = {d.code: d for d in Department.objects.all()}
        for kz, title, years, permanent, start, art, dept in AKTENPLAN:
            aktenplan_unit_upsert(
                kennzeichen=kz,
                title=title,
                retention_years=years,
                retention_permanent=permanent,
                retention_start=start,
                aussonderungsart=art,
                department=depts.get(dept),
            )
        created = [_akte(*row) for row in AKTEN]
    outbox_drain()
    return {
        "login_url": LOGIN_URL,
        "password": password,
        "logins": [{"username": u, "password": password, "role": what} for u, _, _, what in USERS],
        "akten_created": [az for az in created if az],
        "akten": Akte.objects.count(),
        "due_today": Akte.objects.filter(aufbewahrungsende__lt=timezone.localdate(), state=AkteState.ZDA)
        .exclude(Exists(Hold.objects.filter(akte=OuterRef("pk"), released_at=None)))
        .count(),
    }


def _akte(az, title, opened, closed, event, hold_reason, documents) -> str | None:
    if Akte.objects.filter(aktenzeichen=az).exists():
        return None
    admin = user_for("admin")
    akte = akte_create(aktenzeichen=az, title=title, opened_on=opened, by=admin)
    for i, doc_title in enumerate(documents):
        on = min(opened + timedelta(days=30 * (i + 1)), closed or date.max)
        _document(akte, doc_title, on, "sb" + akte.lead_department.code)
    if event:
        akte_set_fristbeginn(akte=akte, event=event, by=admin)
    if closed:
        akte_close(akte=akte, on=closed, by=user_for("sb" + akte.lead_department.code))
    if hold_reason:
        hold_place(akte=akte, reason=hold_reason, by=user_for("archiv"))
    return az


def _document(akte: Akte, title: str, on: date, username: str) -> None:
    data, text = demo_pdf(title, akte.aktenzeichen)
    original = stored_object_put(data=data, media_type="application/pdf")
    vorgang = None
    if akte.aktenzeichen.startswith("63.10.02"):
        vorgang = Vorgang.objects.get_or_create(akte=akte, title="Baugenehmigungsverfahren")[0]
    document_create(
        akte=akte,
        vorgang=vorgang,
        title=title,
        document_type="Schreiben",
        date=on,
        source="demo_setup",
        by=user_for(username),
        original=original,
        pages=[{"number": 1, "text": text, "confidence": None}],
    )


def user_for(username: str):
    return get_user_model().objects.get(username=username)
