"""The cluster's identity: its keys (pki), service-account tokens (tokens) and the TokenRequest API."""
