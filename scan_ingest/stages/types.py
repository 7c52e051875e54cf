"""Units of work of the page pipeline. Tasks and results are plain JSON-able frozen dataclasses so the same
stages run in a local process pool or as Celery tasks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class PipelineConfig:
    """Settings the page stages need; built from Django settings in the writer and shipped with every task."""

    lang: str = "deu"
    max_pixels: int = 150_000_000
    render_dpi: int = 300
    osd_below_confidence: float = 60.0
    tesseract_timeout: int = 600
    force_ocr: bool = False  # OCR every page, even those with a text layer (ingest --force-ocr, redo)


@dataclass(frozen=True)
class PageTask:
    """Process page `index` (0-based) of `path`; results go to `out_dir` (shared with the writer)."""

    path: str
    kind: str  # "pdf" | "image"
    index: int
    out_dir: str
    config: PipelineConfig

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageTask:
        return cls(**{**data, "config": PipelineConfig(**data["config"])})


@dataclass(frozen=True)
class PageResult:
    """What the writer needs of one page: text, confidence, the page of the rendition (a PDF file)."""

    index: int
    error: str | None = None
    separator: str | None = None
    blank: bool = False
    text: str = ""
    confidence: float | None = None
    words: int = 0
    text_layer: bool = False
    pdf_path: str | None = None
    rotation: int = 0
    skew: float = 0.0
    view_rotation: float = 0.0
    dpi: tuple[int, int] | None = None
    size_px: tuple[int, int] | None = None
    seconds: float = 0.0
    worker: str = ""  # host:pid of the process that did the page
    warnings: tuple[str, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    graft: bool = False  # rendition page: the source PDF page + the text-only layer in pdf_path
    image_pdf: str | None = None  # else: this page image PDF + the text-only layer in pdf_path

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageResult:
        data = dict(data)
        for key in ("dpi", "size_px"):
            if data.get(key) is not None:
                data[key] = tuple(data[key])
        data["warnings"] = tuple(data.get("warnings") or ())
        data["notes"] = tuple(data.get("notes") or ())
        return cls(**data)
