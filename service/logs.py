"""Logging for people: every record one line on standard error (`warning: …`), set up in one place.

The command line configures it once (`configure`), from the `INTEGRATION_KG_LOG_LEVEL` setting moved
by `-v` / `-q`; `integration-kg serve` hands the same set-up to uvicorn (`server_config`), which
applies it in each of its worker processes. Modules only ask for `logging.getLogger(__name__)`.

What a command answers (a table, Turtle, JSON, a validation report) and the build's progress are not
log records: the command line prints those itself.
"""

from __future__ import annotations

import copy
import logging
import sys
import warnings
from collections.abc import Mapping
from typing import Any, TextIO

from .settings import LOG_LEVELS


class OneLineFormatter(logging.Formatter):
    """`level: message`, the message's first line only; the traceback too only at the debug level, so
    that no traceback reaches a person who did not ask for one (`-vv`)."""

    def format(self, record: logging.LogRecord) -> str:
        lines = record.getMessage().strip().splitlines()
        text = f"{record.levelname.lower()}: {lines[0] if lines else ''}"
        if record.exc_info and logging.getLogger().isEnabledFor(logging.DEBUG):
            text += "\n" + self.formatException(record.exc_info)
        return text


class StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is when a record comes (as logging's own last-resort handler
    does), so a redirected or captured standard error gets the records too."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(OneLineFormatter())

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        """StreamHandler's constructor assigns a stream; the one used is always the current one."""


def level_number(name: str, more: int = 0, less: int = 0) -> int:
    """The level `name` (one of the settings' LOG_LEVELS) moved `more` steps towards debug and `less`
    towards critical (`-v` and `-q`)."""
    index = min(max(LOG_LEVELS.index(name.lower()) - more + less, 0), len(LOG_LEVELS) - 1)
    return logging.getLevelNamesMapping()[LOG_LEVELS[index].upper()]


def configure(level: int) -> None:
    """Send every record at `level` or above to standard error, one line each. Library warnings
    (Python's `warnings`) are shown as records from the info level down and dropped otherwise;
    rdflib's complaints about ill-typed literals are always dropped, since the validation report
    names each such value with its file. Calling it again replaces the earlier set-up."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, StderrHandler)]:
        root.removeHandler(handler)
    root.addHandler(StderrHandler())
    root.setLevel(level)
    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    verbose = level <= logging.INFO
    logging.captureWarnings(verbose)
    warnings.simplefilter("default" if verbose else "ignore")


def server_config(server_logging: Mapping[str, Any], level: int) -> dict[str, Any]:
    """A server's logging configuration (uvicorn's `LOGGING_CONFIG`, a `logging.config.dictConfig`
    dictionary) with the project's handler on the root logger at `level`: the server's own lines
    (start-up, requests) keep their format, the project's records are one line each, in the server
    process and in every worker process it starts."""
    config = copy.deepcopy(dict(server_logging))
    config.setdefault("handlers", {})["people"] = {"()": StderrHandler}
    config.setdefault("loggers", {})["rdflib"] = {"level": "CRITICAL"}
    config["root"] = {"handlers": ["people"], "level": logging.getLevelName(level)}
    return config
