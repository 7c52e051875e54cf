"""The one exception type sources and stages raise for input they refuse; the runner records it and goes on."""


class IngestError(Exception):
    """Input refused for a human-readable reason (truncated image, encrypted PDF, unsafe ZIP member, ...)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
