"""Client certificates: the TLS layer verified the chain against `--client-ca-file`; CN is the user, O the groups."""

from __future__ import annotations

from apiserver.authentication.user import AUTHENTICATED_GROUP, UserInfo

# The key under which the protocol puts a connection's certificate identity into the ASGI scope.
SCOPE_KEY = "kubemini.connection_user"


def certificate_user(transport) -> UserInfo | None:
    """The verified client certificate's identity on this TLS connection, or None."""
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if ssl_object is None:
        return None
    certificate = ssl_object.getpeercert()
    if not certificate:
        return None
    name, groups = "", []
    for rdn in certificate.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                name = value
            elif key == "organizationName":
                groups.append(value)
    if not name:
        return None
    if AUTHENTICATED_GROUP not in groups:
        groups.append(AUTHENTICATED_GROUP)
    return UserInfo(name, groups=tuple(groups))
