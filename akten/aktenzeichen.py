"""Aktenzeichen = Aktenplan-Kennzeichen + `-` + running part, e.g. `63.10.02-1998/0042`."""

import re
from dataclasses import dataclass

KENNZEICHEN_RE = re.compile(r"^[0-9]{1,4}(?:\.[0-9]{1,4})*$")
LAUFEND_RE = re.compile(r"^[0-9A-Za-z]+(?:/[0-9A-Za-z]+)*$")


class AktenzeichenError(ValueError):
    """An Aktenzeichen or Kennzeichen that does not follow the file plan's syntax."""


def validate_kennzeichen(value: str) -> str:
    value = (value or "").strip()
    if not KENNZEICHEN_RE.match(value):
        raise AktenzeichenError(
            f"ungültiges Kennzeichen {value!r}: erwartet werden Zahlen mit Punkten getrennt, z. B. '63.10.02'"
        )
    return value


@dataclass(frozen=True, order=True)
class Aktenzeichen:
    kennzeichen: str
    laufend: str

    @classmethod
    def parse(cls, value: str) -> "Aktenzeichen":
        raw = (value or "").strip()
        kennzeichen, sep, laufend = raw.partition("-")
        if not sep:
            raise AktenzeichenError(
                f"ungültiges Aktenzeichen {raw!r}: erwartet wird '<Kennzeichen>-<laufende Nummer>', "
                "z. B. '63.10.02-1998/0042'"
            )
        try:
            validate_kennzeichen(kennzeichen)
        except AktenzeichenError as exc:
            raise AktenzeichenError(f"ungültiges Aktenzeichen {raw!r}: {exc}") from None
        if not LAUFEND_RE.match(laufend):
            raise AktenzeichenError(
                f"ungültiges Aktenzeichen {raw!r}: die laufende Nummer {laufend!r} darf nur aus Buchstaben und "
                "Ziffern bestehen, getrennt durch '/', z. B. '1998/0042'"
            )
        return cls(kennzeichen=kennzeichen, laufend=laufend)

    def __str__(self) -> str:
        return f"{self.kennzeichen}-{self.laufend}"

    def prefixes(self) -> list[str]:
        """Kennzeichen prefixes, longest first: `63.10.02`, `63.10`, `63` (to find the Aktenplan unit)."""
        parts = self.kennzeichen.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
