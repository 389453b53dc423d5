"""Subresources with their own shapes and rules, one module each; `HANDLERS` maps a name to its verbs.

    pods/binding (POST)   pods/eviction (POST)   pods/log (GET)
    */scale (GET, PUT, PATCH)   namespaces/finalize (PUT)   certificatesigningrequests/approval (PUT)
`/status` is not here: it is the resource itself written in STATUS mode (writing.py).
"""
