"""Authorization: may this user do this verb on this resource (or non-resource path)?

    request ──► RequestAttributes (verb, group, resource, subresource, namespace, name | path)
            ──► each authorizer of `--authorization-mode` in order (Node, RBAC):
                ALLOW → served; DENY → 403; NO_OPINION → the next one; none allows → 403
"""
