"""Aussonderung (disposal): due selection, disposal runs, xdomea 3.0.0 messages, destruction and its protocol."""


class DisposalError(Exception):
    """A disposal request the run's state, the four-eyes rule or the input does not allow; says why."""
