"""Access-log lines: the components' log shape, batched into one write."""

from __future__ import annotations

import asyncio
import io
import re

from ingress_controller.access_logging import FLUSH_INTERVAL_SECONDS, AccessLog


async def test_lines_are_batched_and_shaped_like_the_other_logs():
    stream = io.StringIO()
    access_log = AccessLog(stream)
    for status in (200, 404):
        access_log.record(
            client="127.0.0.1", request_line="GET /a HTTP/1.1", status=status, sent=12, seconds=0.0012,
            host="foo.test", ingress="default/web", upstream="127.0.0.2:8080", canary=status == 404,
        )  # fmt: skip
    assert stream.getvalue() == ""
    await asyncio.sleep(FLUSH_INTERVAL_SECONDS * 3)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO component=ingress-controller ingress_controller.access: "
        r'127\.0\.0\.1 "GET /a HTTP/1\.1" 200 12 0\.0012 host=foo\.test ingress=default/web '
        r"upstream=127\.0\.0\.2:8080 canary=false",
        lines[0],
    ), lines[0]
    assert lines[1].endswith("canary=true") and '" 404 ' in lines[1]
