"""Importers: the rules of reading a file into the system (validation, parsing, upserts through the audited
services). Management commands, browser workspaces and the API call them; a command only parses its arguments
and prints. See docs/architecture.md, "Where each rule lives"."""


class ImportFileError(ValueError):
    """A file that cannot be imported at all; the message names the file and every reason."""
