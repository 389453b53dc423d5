"""The cluster's certificates: a CA, the API server's serving certificate, one client certificate per identity.

new_authority() ──► CA (ca.crt, ca.key)
issue(ca, common_name, organizations, dns/ip SANs, server|client) ──► KeyPair (PEM certificate + key)
ClusterPki(dir).ensure(...) ──► the files `kubemini up` and the tests use, kept when still valid
"""
