"""Schemathesis hooks for fuzzing the API server: streaming requests would only time out the fuzzer.

`watch=true` and a log `follow=true` answer with a stream that stays open by design; they are
dropped from generated requests (watches have their own tests), everything else goes as generated.
"""

from __future__ import annotations

import schemathesis

STREAMING_PARAMETERS = ("watch", "follow")


@schemathesis.hook
def before_call(context, case, kwargs=None):
    if case.query:
        for name in STREAMING_PARAMETERS:
            case.query.pop(name, None)
