"""Where the browser tests save their screenshots: into docs/screenshots/ with DMS_SCREENSHOTS=1 (`make screenshots`),
otherwise into a temporary folder, so a test run leaves the working tree as it found it."""

import os
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SCREENSHOTS = DOCS if os.environ.get("DMS_SCREENSHOTS") == "1" else Path(tempfile.gettempdir()) / "eakte-screenshots"
