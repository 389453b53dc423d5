"""Secrets encrypted at rest: kube-apiserver's `--encryption-provider-config` (and its automatic reload).

config.py       the EncryptionConfiguration file → rules (or an error naming the field)
providers.py    aesgcm / aescbc / secretbox keys, upstream's stored bytes
transformer.py  rules → the value transformer EtcdStore applies to every value
reloading.py    polls the file; a valid new configuration replaces the store's transformer
"""
