"""Authentication: who sent a request (x509 client certificate, bearer token, or nobody).

    request ──► client certificate verified by the TLS layer (CN → user, O → groups)
            ──► else `Authorization: Bearer`: static token file, ServiceAccount JWT
            ──► else system:anonymous in system:unauthenticated
            ──► Impersonate-* headers (checked against `impersonate` permissions)
            ──► UserInfo on the request's context (`ctx.user`), used by authorization, admission, audit
"""
