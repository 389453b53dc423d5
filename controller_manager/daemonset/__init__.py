"""The DaemonSet controller ("daemonset"): one pod per eligible node (controller.py), placement
rules and the pods' template in placement.py, the RollingUpdate step in rollout.py."""
