"""Closing a WatchReader while its thread waits on the TLS stream leaves the next watch intact.

    reader A (thread blocked in SSL_read on fd N) ── close() ──► fd N freed
    reader B connects ──► gets fd N (the lowest free number)
    an event reaches A's connection ──► A's thread wakes and, if fd N was merely closed under it,
        reads B's TLS records with A's session (bad record MAC) and answers with an alert on fd N:
        the server drops B (DECRYPTION_FAILED_OR_BAD_RECORD_MAC), B's reader sees a cut stream

So close() must wake the reader thread (socket shutdown) and wait for it before the fd is closed.
"""

from __future__ import annotations

from tests.integration.apiserver.conftest import configmap
from tests.support.watch_reader import WatchReader

ROUNDS = 3
EVENTS_PER_ROUND = 5


def test_a_watch_closed_mid_read_never_corrupts_the_next_tls_watch_on_the_same_path(apiserver, api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    for round_index in range(ROUNDS):
        start = api.get(path).json()["metadata"]["resourceVersion"]
        first = WatchReader(apiserver.url, path, resourceVersion=start)
        first.close()
        assert not first.reading(), "close() returns once the reader thread has stopped"
        second = WatchReader(apiserver.url, path, resourceVersion=start)
        try:
            names = [f"r{round_index}-{index}" for index in range(EVENTS_PER_ROUND)]
            for name in names:
                assert api.post(path, json=configmap(name)).status_code == 201
            events = second.take(len(names))
            assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", n) for n in names]
        finally:
            second.close()
