"""`python -m scheduler` flags: the port kubemini up probes, leader election on by default, the knobs."""

from __future__ import annotations

from scheduler.__main__ import build_parser


def test_defaults_match_what_kubemini_up_expects(monkeypatch):
    for name in ("KUBEMINI_PORT", "KUBEMINI_BIND_ADDRESS", "KUBEMINI_LEADER_ELECT"):
        monkeypatch.delenv(name, raising=False)
    args = build_parser().parse_args(["--kubeconfig", "/tmp/kubeconfig"])
    assert (args.port, args.bind_address, args.leader_elect) == (10259, "127.0.0.1", True)
    assert args.scheduler_name == "default-scheduler"
    assert args.parallel_bindings == 32 and args.assumed_pod_ttl_seconds == 30.0


def test_lease_timings_and_knobs_are_flags():
    args = build_parser().parse_args(
        ["--no-leader-elect", "--lease-duration-seconds", "4", "--renew-deadline-seconds", "3",
         "--retry-period-seconds", "0.5", "--scheduler-name", "batch", "--parallel-bindings", "8"]
    )  # fmt: skip
    assert not args.leader_elect
    assert (args.lease_duration_seconds, args.renew_deadline_seconds, args.retry_period_seconds) == (4, 3, 0.5)
    assert (args.scheduler_name, args.parallel_bindings) == ("batch", 8)
