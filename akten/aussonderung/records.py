"""Frozen snapshots of what an Aussonderung message says about an Akte. Built from the database by
`selectors.akte_records`; the xdomea writers are pure functions over them."""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class FileRecord:
    """One stored object of a version: the archival rendition, the original or the scan record."""

    role: str  # rendition | original | scan_record
    key: str
    sha256: str
    size: int
    media_type: str
    source_name: str = ""


@dataclass(frozen=True)
class VersionRecord:
    number: int
    files: tuple[FileRecord, ...]


@dataclass(frozen=True)
class DokumentRecord:
    id: int
    uuid: str
    title: str
    date: date | None
    document_type: str
    versions: tuple[VersionRecord, ...] = ()


@dataclass(frozen=True)
class VorgangRecord:
    id: int
    uuid: str
    title: str
    dokumente: tuple[DokumentRecord, ...] = ()


@dataclass(frozen=True)
class AkteRecord:
    id: int
    uuid: str
    aktenzeichen: str
    title: str
    kennzeichen: str
    unit_title: str
    department: str
    vertraulichkeit: str
    opened_on: date | None
    zda_date: date | None
    aufbewahrungsende: date | None
    retention_years: int | None
    permanent: bool
    aussonderungsart: str
    dokumente: tuple[DokumentRecord, ...] = ()  # directly in the Akte, not in a Vorgang
    vorgaenge: tuple[VorgangRecord, ...] = field(default=())

    def all_dokumente(self):
        yield from self.dokumente
        for vorgang in self.vorgaenge:
            yield from vorgang.dokumente

    def all_files(self):
        for dok in self.all_dokumente():
            for version in dok.versions:
                yield from version.files
