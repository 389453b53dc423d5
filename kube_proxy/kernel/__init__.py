"""`--proxy-mode=iptables`: Service forwarding programmed into the kernel's nat table.

service ports (service_ports.py) ──► ruleset.py (pure: the iptables-restore text of our chains)
    ──► programming.py (iptables-restore --noflush, jumps from the built-in chains, cleanup)
    ──► proxier.py (the sync loop: rebuild on every Service / EndpointSlice change)
"""
