"""Where hornbeam's log records go when nobody configured logging.

uvicorn configures its own loggers only, so without this the ``hornbeam``
records reach Python's last-resort handler: WARNING and above, with neither
time nor logger name. ``configure_default_logging`` runs once at start-up.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

__all__ = ["configure_default_logging", "DEFAULT_FORMAT"]

DEFAULT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

logger = logging.getLogger("hornbeam")


class _FallbackHandler(logging.StreamHandler[TextIO]):
    """Writes to stderr the records no other handler takes, as ``logging.lastResort`` would.

    So logging configured after start-up (handlers on the root, on ``hornbeam`` or
    below) takes over without a record being written twice.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if not _handled_elsewhere(record.name, self):
            super().emit(record)


def _handled_elsewhere(name: str, mine: logging.Handler) -> bool:
    current: logging.Logger | None = logging.getLogger(name)
    while current is not None:
        if any(handler is not mine for handler in current.handlers):
            return True
        if not current.propagate:
            return False
        current = current.parent
    return False


def configure_default_logging() -> None:
    """Send ``hornbeam`` records, INFO and up, to stderr with time, level and logger name.

    Nothing changes when logging is configured already: a handler on the root
    logger (``logging.basicConfig``, a ``--log-config``) or on ``hornbeam``. A
    level set on ``hornbeam`` is kept; otherwise it becomes INFO. Calling it again
    does nothing.
    """
    if logging.getLogger().handlers or logger.handlers:
        return
    handler = _FallbackHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(DEFAULT_FORMAT))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    logger.info(
        "hornbeam logs INFO and above to stderr; configure logging (or the 'hornbeam' logger) to change that"
    )
