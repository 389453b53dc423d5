#!/usr/bin/env bash
# shellcheck disable=SC2317  # the builders are called by name from BUILDS
# Build the workload images the tests and demos run, offline.
#
# No registry is reachable, so every image is a rootfs made here from Debian's
# static busybox and turned into an image with `docker import` (under a second
# each):
#   kubemini/busybox:1.35     sh, sleep, httpd, nc, wget, ... ; CMD /bin/sh
#   kubemini/busybox:1.35-v2  the same applets, a different image, so a rollout
#                             test can tell the versions apart
#                             (/etc/kubemini-image-version says which)
#   kubemini/pause:3.9        the pod sandbox: sleeps forever as PID 1 and
#                             exits at once on SIGTERM
# Every image carries the label io.kubemini.image=1 and a recipe label: an
# image whose recipe (this script and its inputs) changed is built again, an
# up-to-date one is left alone.
#
# Usage: deploy/images/build_workload_images.sh [--check]
#   --check  build nothing; exit 0 when every image is present and current.
set -euo pipefail

IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUSYBOX="${KUBEMINI_BUSYBOX:-/bin/busybox}"
PAUSE_SCRIPT="$IMAGES_DIR/pause.sh"
IMAGE_LABEL="io.kubemini.image=1"
RECIPE_LABEL_KEY="io.kubemini.image.recipe"
CONTAINER_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

CHECK_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --check) CHECK_ONLY=1 ;;
        -h|--help) sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "build_workload_images: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

log() { echo "build_workload_images: $*"; }
die() { echo "build_workload_images: error: $*" >&2; exit 1; }

docker info >/dev/null 2>&1 \
    || die "the Docker engine is not reachable; run deploy/setup_host.sh (or: apt-get install -y docker.io && dockerd &)"
[[ -x $BUSYBOX ]] || die "$BUSYBOX not found; apt-get install -y busybox-static"
# A dynamically linked busybox would need a libc inside the image.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is dynamically linked; install busybox-static instead of busybox"
fi

RECIPE="$(cat "${BASH_SOURCE[0]}" "$PAUSE_SCRIPT" "$BUSYBOX" | sha256sum | cut -c1-16)"

image_current() {
    local found
    found="$(docker image inspect -f "{{ index .Config.Labels \"$RECIPE_LABEL_KEY\" }}" "$1" 2>/dev/null)" \
        || return 1
    [[ $found == "$RECIPE" ]]
}

# A minimal filesystem: busybox with every applet linked in /bin, /sbin and
# /usr/* pointing at /bin so absolute paths from other images (/usr/bin/env,
# /sbin/httpd) work too, and the few files programs look up (passwd, group).
make_rootfs() {
    local root=$1 version=$2 applet
    mkdir -p "$root"/{bin,etc,root,tmp,proc,sys,dev,home,var/www,usr}
    chmod 1777 "$root/tmp"
    cp "$BUSYBOX" "$root/bin/busybox"
    for applet in $("$BUSYBOX" --list); do
        [[ $applet == busybox ]] || ln -sf busybox "$root/bin/$applet"
    done
    ln -s bin "$root/sbin"
    ln -s ../bin "$root/usr/bin"
    ln -s ../bin "$root/usr/sbin"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
        >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    echo "$version" >"$root/etc/kubemini-image-version"
}

# import_rootfs ROOT IMAGE [extra --change lines...]
import_rootfs() {
    local root=$1 image=$2
    shift 2
    local changes=(-c "ENV PATH=$CONTAINER_PATH" -c "LABEL $IMAGE_LABEL" -c "LABEL $RECIPE_LABEL_KEY=$RECIPE")
    local change
    for change in "$@"; do changes+=(-c "$change"); done
    tar --numeric-owner --owner=0 --group=0 -C "$root" -c . \
        | docker import "${changes[@]}" - "$image" >/dev/null
}

build_busybox() {
    local image=$1 version=$2 root="$WORK/$2"
    make_rootfs "$root" "$version"
    import_rootfs "$root" "$image" 'CMD ["/bin/sh"]'
}

build_pause() {
    local image=$1 version=$2 root="$WORK/$2"
    make_rootfs "$root" "$version"
    install -m 0755 "$PAUSE_SCRIPT" "$root/pause"
    import_rootfs "$root" "$image" 'ENTRYPOINT ["/pause"]'
}

WORK=""
cleanup() { [[ -z $WORK ]] || rm -rf "$WORK"; }
trap cleanup EXIT

# image name, builder, builder's version argument
BUILDS=(
    "kubemini/busybox:1.35 build_busybox 1.35"
    "kubemini/busybox:1.35-v2 build_busybox 1.35-v2"
    "kubemini/pause:3.9 build_pause pause-3.9"
)

missing=0
for entry in "${BUILDS[@]}"; do
    read -r image builder version <<<"$entry"
    if image_current "$image"; then
        log "$image: up to date"
        continue
    fi
    if [[ $CHECK_ONLY == 1 ]]; then
        echo "build_workload_images: not ready: $image missing or outdated" >&2
        missing=1
        continue
    fi
    [[ -n $WORK ]] || WORK="$(mktemp -d)"
    started=$SECONDS
    previous_id="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
    "$builder" "$image" "$version"
    # An outdated build would linger as an untagged image; a container still
    # using it keeps it (rmi refuses), which is fine.
    [[ -z $previous_id ]] || docker rmi "$previous_id" >/dev/null 2>&1 || true
    log "$image: built in $((SECONDS - started))s"
done
exit "$missing"
