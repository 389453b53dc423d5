"""OpenAPI documents from the upstream schemas: v3 per group-version, v2 as JSON and gnostic protobuf.

    kubemini.api.schema.definitions (upstream v1.35)
        ──schemas.py──► v3 / v2 schema objects (refs, int-or-string, quantities as upstream writes them)
        ──paths.py────► operations per registered kind (parameters, request bodies, responses, GVKs)
        ──documents.py► /openapi/v3 root + per-GV documents, /openapi/v2 (cached per registry state)
        ──gnostic.py──► /openapi/v2 as `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`

kubectl explain reads v3; kubectl apply reads v3 to delegate field validation to the
server and v2 (protobuf) for its client-side schema; schemathesis reads v3.
"""
