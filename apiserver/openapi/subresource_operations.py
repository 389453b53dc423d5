"""The operations of one subresource path (`/status`, `/scale`, `/exec`, ...), as upstream declares them.

status, approval, ephemeralcontainers, scale   get / put / patch of the kind (Scale for scale)
binding, eviction                               post of their own body
finalize                                        put of the kind
log                                             get, plain text
exec, attach, portforward, proxy                connect (get / post, a stream), x-kubernetes-action: connect
"""

from __future__ import annotations

from apiserver.openapi.parameters import LOG_PARAMS, PATCH, SUBRESOURCE_BODIES, WRITE_PARAMS, patch_types

READ_WRITE = ("status", "approval", "ephemeralcontainers", "scale")
CONNECT = ("exec", "attach", "portforward", "proxy")
CHANGED = ("200", "201")


def _camel(text: str) -> str:
    return text[:1].upper() + text[1:]


def _read_write(build, record, suffix: str, schema: str, gvk: dict | None) -> dict:
    common = {"answer": schema, "gvk": gvk, "suffix": suffix}
    return {
        "get": build.operation(record, "get", "read", **common),
        "put": build.operation(record, "put", "replace", params=WRITE_PARAMS, body=schema, codes=CHANGED, **common),
        "patch": build.operation(
            record,
            "patch",
            "patch",
            params=(*WRITE_PARAMS, "force"),
            body=PATCH,
            body_types=patch_types(record),
            **common,
        ),
    }


def subresource_operations(build, record, sub: str, kind: str) -> dict:
    suffix = _camel(sub)
    if sub in READ_WRITE:
        schema, gvk = SUBRESOURCE_BODIES.get(sub, (kind, None))
        return _read_write(build, record, suffix, schema, gvk)
    if sub in ("binding", "eviction"):
        schema, gvk = SUBRESOURCE_BODIES[sub]
        return {
            "post": build.operation(
                record,
                "post",
                "create",
                params=WRITE_PARAMS,
                body=schema,
                answer=schema,
                gvk=gvk,
                suffix=suffix,
                codes=("200", "201", "202"),
            )
        }
    if sub == "finalize":
        return {
            "put": build.operation(
                record, "put", "replace", params=WRITE_PARAMS, body=kind, answer=kind, suffix=suffix, codes=CHANGED
            )
        }
    if sub == "log":
        return {"get": build.operation(record, "get", "read", params=LOG_PARAMS, answer=None, suffix=suffix)}
    if sub in CONNECT:
        return {
            method: build.operation(record, "connect", f"connect{_camel(method)}", answer=None, suffix=suffix)
            for method in ("get", "post")
        }
    return {}
