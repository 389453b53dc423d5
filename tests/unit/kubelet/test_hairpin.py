"""Hairpin mode: a sandbox's host-side veth found by ifindex and its bridge port switched on."""

from __future__ import annotations

from kubelet.runtime.hairpin import enable_hairpin, host_interface_of


def fake_machine(tmp_path, *, with_bridge_port: bool = True):
    proc, sys_net = tmp_path / "proc", tmp_path / "sys"
    (proc / "42/root/sys/class/net/eth0").mkdir(parents=True)
    (proc / "42/root/sys/class/net/eth0/iflink").write_text("17\n")
    for name, index in (("lo", 1), ("docker0", 3), ("veth1a2b", 17)):
        (sys_net / name).mkdir(parents=True)
        (sys_net / name / "ifindex").write_text(f"{index}\n")
    if with_bridge_port:
        (sys_net / "veth1a2b/brport").mkdir()
        (sys_net / "veth1a2b/brport/hairpin_mode").write_text("0\n")
    return proc, sys_net


def test_the_sandboxs_veth_gets_hairpin_mode(tmp_path):
    proc, sys_net = fake_machine(tmp_path)
    assert host_interface_of(42, proc=proc, sys_net=sys_net) == "veth1a2b"
    assert enable_hairpin(42, proc=proc, sys_net=sys_net)
    assert (sys_net / "veth1a2b/brport/hairpin_mode").read_text() == "1"


def test_no_bridge_port_or_no_such_process_is_left_alone(tmp_path):
    proc, sys_net = fake_machine(tmp_path, with_bridge_port=False)
    assert not enable_hairpin(42, proc=proc, sys_net=sys_net)
    assert not enable_hairpin(99, proc=proc, sys_net=sys_net)
