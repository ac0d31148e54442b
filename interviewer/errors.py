"""Errors a user can act on. Each carries one sentence: what is wrong and how to fix it."""


class InterviewerError(Exception):
    """Base class: the CLI prints the message alone, never a traceback."""


class ConfigError(InterviewerError):
    """A setting is missing or invalid (unknown backend, missing key, missing model file)."""


class BackendError(InterviewerError):
    """The model backend failed while running (unreachable server, dropped connection, bad reply)."""


class DataError(InterviewerError):
    """A data file (persona, round, rubric, dataset, transcript) is malformed."""
