"""The SSE id: every feed's resourceVersion, read back from Last-Event-ID on reconnect."""

from dashboard.resume import decode_positions, encode_positions
from dashboard.sse import format_event

FEEDS = ("pods", "nodes", "events")


def test_positions_round_trip():
    text = encode_positions({"pods": "120", "nodes": "98"})
    assert text == "nodes=98;pods=120"
    assert decode_positions(text, feeds=FEEDS) == {"pods": "120", "nodes": "98"}


def test_a_feed_without_a_version_is_left_out_so_it_lists():
    assert encode_positions({"pods": "7", "events": ""}) == "pods=7"


def test_only_feeds_asked_for_now_and_well_formed_versions_are_trusted():
    text = "pods=5;secrets=9;nodes=;events=1 2;junk;nodes=3\nx"
    assert decode_positions(text, feeds=FEEDS) == {"pods": "5"}
    assert decode_positions(None, feeds=FEEDS) == {}
    assert decode_positions("pods=" + "9" * 65, feeds=FEEDS) == {}


def test_an_event_is_one_data_line_with_its_id():
    frame = format_event({"feed": "pods", "text": "a\nb"}, event_id="pods=5").decode()
    assert frame == 'id: pods=5\ndata: {"feed":"pods","text":"a\\nb"}\n\n'
