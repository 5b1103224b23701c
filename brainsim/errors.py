"""User-facing errors.

Every mistake a user can make (unknown profile, malformed protocol, wrong units, ...) is
raised as a :class:`NeuroEmoError` *before* any Brian2 object is built. The CLI prints the
message as one paragraph and exits with status 2.
"""


class NeuroEmoError(Exception):
    """A problem in the user's input, with a message that says what is wrong and how to fix it."""


class ConfigError(NeuroEmoError, ValueError):
    """Invalid parameters, names or units in a network, profile or protocol specification."""


class ResultsError(NeuroEmoError):
    """A results folder that cannot be written or read."""
