"""Streaming: exec, attach and port-forward between a client (through the apiserver) and a pod.

apiserver (WebSocket proxy) ──► kubelet WebSocket endpoints (routes.py)
    /exec/{ns}/{pod}/{container}?command=..&stdin=..&tty=..   ─┐ channel protocol (channels.py):
    /attach/{ns}/{pod}/{container}?stdin=..&tty=..             ─┘ v5/v4.channel.k8s.io, one byte channel
        ──► exec_sessions.py ──► Docker exec / attach socket (demultiplexed, stream_demux.py)
    /portForward/{ns}/{pod}?ports=..
        v4.channel.k8s.io (Python client) ──► port_forwarding.py, two channels per port
        SPDY/3.1+portforward.k8s.io (kubectl) ──► SPDY/3.1 over the WebSocket (spdy.py)
        ──► a TCP connection opened inside the pod's network namespace (pod_sockets.py)
"""
