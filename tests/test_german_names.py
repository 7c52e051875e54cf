"""The admin speaks German: every model and field of the kernel and the records layer carries a German verbose name
(and the admin shows it). A field added without one fails here."""

from datetime import date

import pytest
from django.apps import apps

from tests import factories

# Fields that third-party abstract bases (django-guardian) bring along; their labels are the library's.
INHERITED = {("akteuserobjectpermission", "user"), ("akteuserobjectpermission", "permission")}
INHERITED |= {("aktegroupobjectpermission", "group"), ("aktegroupobjectpermission", "permission")}


def _models():
    for label in ("dms", "akten"):
        yield from apps.get_app_config(label).get_models()


@pytest.mark.parametrize("model", list(_models()), ids=lambda m: m._meta.label)
def test_every_model_and_field_has_a_german_name(model):
    opts = model._meta
    generated = opts.object_name.lower()
    assert opts.verbose_name != generated and opts.verbose_name_plural != f"{generated}s", opts.label
    unnamed = [
        f.name
        for f in opts.get_fields()
        if f.concrete
        and not f.auto_created
        and (opts.model_name, f.name) not in INHERITED
        and f.verbose_name == f.name.replace("_", " ")
    ]
    assert not unnamed, f"{opts.label}: fields without a German verbose_name: {unnamed}"


def test_the_admin_shows_the_german_names(client, org, aktenplan):
    akte = factories.akte("63.10.02-2020/0001", title="Neubau", opened_on=date(2020, 1, 2))
    doc = factories.document(akte, "Bauantrag")
    client.force_login(org.admin)
    listing = client.get("/admin/akten/document/").content.decode()
    assert "Dokumente" in listing and "Dokumentart" in listing
    page = client.get(f"/admin/akten/document/{doc.pk}/change/").content.decode()
    assert "Titel" in page and "Seiten der Vorlage" in page and "Erfasst von" in page
