"""Request bodies, decoded with limits before any work is done on them.

    HTTP body ──reading.read_raw──► bytes (≤ 3 MiB, counted while reading; 413 beyond)
        ──reading.decode_body──► Decoded(document, duplicates)
              JSON  (json_bodies): no NaN/Infinity, no float overflow, lone surrogates → U+FFFD,
                                   duplicate keys noted for fieldValidation
              YAML  (yaml_bodies): alias expansion budgeted, timestamps kept as strings, keys as strings
              protobuf (apiserver.protobuf): the kinds kubectl's generators send
        large bodies are decoded in a worker thread, so one request cannot stall the event loop

Every failure is an `ApiError` (400 malformed, 413 too large, 415 unknown media type).
Typed checks against the kind's schema come next (kubemini.api.schema.typed_decoding).
"""
