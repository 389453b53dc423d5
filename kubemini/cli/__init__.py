"""The `kubemini` command: bring a local cluster up, report on it, take it down.

`up` starts each control-plane process (etcd, then every component whose
package exists, in the order of `components.COMPONENTS`) detached from the
terminal, waits for each one's health endpoint, and writes a kubeconfig.
Everything a cluster owns lives under one data directory (`layout.ClusterHome`),
so `down --purge` is a process stop plus one directory removal.
"""
