"""`CAMB_LOG=debug` (or info, warning, error): the `camb` logger on stderr, set from outside.

Applied once, when `camb` is imported. Without the variable nothing is configured and the
logging module is not touched, so `import camb` costs no more; the application's own logging
setup is then in charge, as usual for a library.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

ENV_VAR = "CAMB_LOG"
LOGGER_NAME = "camb"
LEVELS: Mapping[str, int] = {"debug": 10, "info": 20, "warning": 30, "error": 40}
LOG_FORMAT = "[%(asctime)s %(name)s %(levelname)s] %(message)s"

# The handler CAMB_LOG added, so that nothing adds a second one (the CLI's --debug).
_handler: logging.Handler | None = None


def level_from(value: str | None) -> int | None:
    """The logging level CAMB_LOG's `value` names; None when unset or empty.

    Raises ValueError for anything else (the caller warns and ignores it).
    """
    if value is None or not value.strip():
        return None
    level = LEVELS.get(value.strip().lower())
    if level is None:
        raise ValueError(f"{ENV_VAR}={value[:60]!r} is not one of {', '.join(LEVELS)}: ignored")
    return level


def configure_from_environment(environ: Mapping[str, str] | None = None) -> None:
    """Send the `camb` logger to stderr at the level $CAMB_LOG names, if it names one."""
    global _handler
    try:
        level = level_from((os.environ if environ is None else environ).get(ENV_VAR))
    except ValueError as error:
        warnings.warn(str(error), RuntimeWarning, stacklevel=3)
        return
    if level is None:
        return
    import logging  # only now: an unset CAMB_LOG costs nothing

    logger = logging.getLogger(LOGGER_NAME)
    if _handler is None:
        _handler = logging.StreamHandler()  # stderr, looked up at each write
        _handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logger.addHandler(_handler)
    logger.setLevel(level)


def environment_handler() -> logging.Handler | None:
    """The handler CAMB_LOG installed, if it did."""
    return _handler
