"""The StatefulSet controller ("statefulset"): stable identities in order (controller.py), the pods and
claims each ordinal gets (identity.py), the decisions of one sync (planning.py)."""
