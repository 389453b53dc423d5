"""The audit log: kube-apiserver's `--audit-policy-file`, `--audit-log-path`, `--audit-log-maxsize`.

policy.py     the audit.k8s.io/v1 Policy file → rules; a request's attributes → level, omitted stages
events.py     audit.k8s.io/v1 Event objects (pure), with Secrets' and ConfigMaps' contents never logged
writer.py     the log file, written by a thread through a bounded queue; size-based rotation
recording.py  the ASGI layer around the server that follows each request through its stages
"""
