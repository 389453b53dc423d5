"""Service endpoints: the Endpoints controller, the EndpointSlice controller and slice mirroring.

pods selected by a Service ──► endpoints_controller.py ──► Endpoints (older clients)
                           ──► slice_controller.py (slices.py packs, slice_writing.py writes)
                               ──► EndpointSlices (kube-proxy, DNS, ingress, kubectl describe)
hand-made Endpoints of a Service without selector ──► mirroring.py ──► EndpointSlices
"""
