"""A CustomResourceDefinition's structural schema, from the CRD to the checks every custom resource passes.

CRD version .schema.openAPIV3Schema (a JSONSchemaProps dict)
    │ checking.structural_errors    is it structural? upstream's messages (the CRD is refused, 422)
    │ building.from_structural      Schema nodes (structural=True): typed decoding prunes with them
    ▼
custom resource ──► typed decoding (prune unknown fields, keep wrong types)
                ──► defaulting.apply_defaults ──► validating.validate_value (types, enum, pattern, bounds,
                    formats, list sets/maps, junctors) ──► cel.validate_rules (x-kubernetes-validations)
"""
