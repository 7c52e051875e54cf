"""Aussonderung (disposal): due selection, disposal runs, xdomea 3.0.0 messages, destruction and its protocol.
The service contract (every public service and state) is the docstring of `akten/aussonderung/services.py`."""


class DisposalError(ValueError):
    """A disposal request the run's state, the four-eyes rule or the input does not allow; the German message says
    why (and names the file for a refused xdomea message)."""
