"""Log lines: timestamps to the nanosecond, and what a reopened tail asks for and drops."""

from dashboard.logs import LogTime, log_params, parse_log_time, split_line


def test_docker_timestamps_compare_by_time_not_text():
    short = parse_log_time("2026-12-01T15:30:58.5Z")
    long = parse_log_time("2026-12-01T15:30:58.123456789Z")
    assert short == LogTime(short.seconds, 500_000_000)
    assert long < short  # as text, "...58.5Z" < "...58.123456789Z" would say the opposite
    assert parse_log_time("2026-12-01T15:30:58Z").nanos == 0
    assert parse_log_time("yesterday") is None


def test_split_line_keeps_lines_without_a_timestamp():
    moment, stamp, text = split_line("2026-12-01T15:30:58.1Z hello world")
    assert (stamp, text, moment.nanos) == ("2026-12-01T15:30:58.1Z", "hello world", 100_000_000)
    assert split_line("no time here") == (None, "", "no time here")


def test_first_open_tails_and_a_reopen_reaches_back_to_the_last_line():
    assert log_params(None, container="main", now=0) == {
        "follow": "true",
        "timestamps": "true",
        "container": "main",
        "tailLines": "200",
    }
    last = parse_log_time("2026-12-01T15:30:58.9Z")
    params = log_params(last, container=None, now=last.epoch + 10.2)
    assert params == {"follow": "true", "timestamps": "true", "sinceSeconds": "12"}
