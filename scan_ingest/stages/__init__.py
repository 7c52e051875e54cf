"""Page pipeline: an explicit ordered list of pure stages over a frozen PageState (docs/architecture.md,
"Page pipeline"). A stage that refuses its input raises IngestError; `process_page` turns that into a result
carrying the reason."""

from __future__ import annotations

import json
import os
import time

from ..errors import IngestError
from .blank import detect_blank
from .decode import decode
from .geometry import deskew, fix_orientation, orient
from .ocr import ocr, prepare_ocr
from .page import PageState
from .separator import detect_separator
from .types import PageResult, PageTask, PipelineConfig

PAGE_STAGES = (decode, detect_separator, detect_blank, deskew, orient, prepare_ocr, ocr, fix_orientation)


def result_path(out_dir: str, index: int) -> str:
    return os.path.join(out_dir, f"p{index + 1:05d}.json")


def process_page(task: PageTask) -> PageResult:
    """Run every stage over one page; the result is also written next to the page PDF so a resumed batch
    need not redo the page."""
    os.environ["OMP_THREAD_LIMIT"] = "1"  # tesseract: 1 thread per process, parallel across processes
    started = time.monotonic()
    page = PageState(task=task)
    try:
        for stage in PAGE_STAGES:
            page = stage(page)  # rebinding frees the previous state (prepare_ocr drops the page's pixels)
    except IngestError as exc:
        return PageResult(index=task.index, error=exc.reason)
    except MemoryError:
        return PageResult(index=task.index, error="Seite zu groß für die Verarbeitung (Speicher erschöpft)")
    except Exception as exc:
        return PageResult(index=task.index, error=f"Seite {task.index + 1}: {type(exc).__name__}: {exc}")
    finally:
        if page.ocr_input and os.path.exists(page.ocr_input):
            os.unlink(page.ocr_input)
    result = page.result(time.monotonic() - started)
    path = result_path(task.out_dir, task.index)
    with open(path + ".part", "w", encoding="utf-8") as fh:
        json.dump(result.to_json(), fh, ensure_ascii=False)
    os.replace(path + ".part", path)
    return result


def load_result(out_dir: str, index: int) -> PageResult | None:
    """A page result left by an earlier (interrupted) run, if it and its PDF are complete."""
    path = result_path(out_dir, index)
    try:
        with open(path, encoding="utf-8") as fh:
            result = PageResult.from_json(json.load(fh))
    except (OSError, ValueError, TypeError):
        return None
    if any(path and not os.path.exists(path) for path in (result.pdf_path, result.image_pdf)):
        return None
    return result


__all__ = ["PAGE_STAGES", "PageResult", "PageTask", "PipelineConfig", "load_result", "process_page"]
