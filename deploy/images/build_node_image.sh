#!/usr/bin/env bash
# Build the node image kubemini/node:dev offline: the machines of
# `kubemini up --nodes N` (deploy/node/Dockerfile).
#
# Same recipe as the control-plane image (build_control_plane_image.sh does
# the work): a debootstrap'ed bookworm base, here with Debian's docker.io,
# iptables and iproute2 in it (about a minute, once), plus kubemini's wheels.
#
# Usage: deploy/images/build_node_image.sh [--check]
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export BASE_IMAGE="${KUBEMINI_NODE_BASE_IMAGE:-kubemini/node-base:bookworm}"
export KUBEMINI_IMAGE="${KUBEMINI_NODE_IMAGE:-kubemini/node:dev}"
export KUBEMINI_BASE_PACKAGES="python3,python3-venv,ca-certificates,iproute2,iptables,procps,docker.io"
export KUBEMINI_BUILD_FILES="$REPO_ROOT/deploy/node"
export KUBEMINI_BUILD_NAME=build_node_image
export KUBEMINI_IMAGE_CONTEXT="${KUBEMINI_NODE_IMAGE_CONTEXT:-$REPO_ROOT/.cache/node-image-context}"
exec "$REPO_ROOT/deploy/images/build_control_plane_image.sh" "$@"
