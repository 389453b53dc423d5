"""Logging a failure once per object version: a malformed object must not flood the log on every retry.

    failed(key, resource_version) ──► first time for this version: log.error with the traceback
                                  └─► again (a retry, a resync): log.debug only
A new resourceVersion (someone fixed the object, or broke it differently) logs again.
The memory is bounded: the oldest entries are forgotten first.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

MAX_REMEMBERED = 4096


class LogOnce:
    def __init__(self, logger: logging.Logger, *, remembered: int = MAX_REMEMBERED):
        self.logger = logger
        self.remembered = remembered
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def failure(self, message: str, key: str, resource_version: str, *args: object, **extra: object) -> bool:
        """Log `message % args` for `key` at this version; True when it was logged at error level."""
        seen_key = (key, resource_version)
        if seen_key in self._seen:
            self.logger.debug(message, *args, extra=extra or None)
            return False
        self._seen[seen_key] = None
        if len(self._seen) > self.remembered:
            self._seen.popitem(last=False)
        self.logger.error(message, *args, exc_info=True, extra=extra or None)
        return True


# What interpreting a malformed object raises (a string where a map was expected, a missing key, ...).
UNINTERPRETABLE = (AttributeError, KeyError, TypeError, ValueError, IndexError)
