#!/usr/bin/env bash
# Make sure the system packages Verdict needs are present on Debian/Ubuntu.
# As root it installs what is missing with apt-get; otherwise it prints the exact command to run and fails.
#   scripts/ensure-system.sh dev    - what `make dev` needs (Python venv, compilers, JDK, Node.js, Go, Ruby,
#                                     Kotlin, Mono's C#, Rust)
#   scripts/ensure-system.sh test   - the same, plus the PostgreSQL server the tests start, Chromium (e2e tests)
#                                     and Docker's engine with debootstrap (container and image tests)
set -euo pipefail
purpose=${1:-dev}

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
have_cmd gcc || need+=(gcc)
have_cmd g++ || need+=(g++)
have_cmd make || need+=(make)
# The judge runs each toolchain from the paths of its language table (sandbox/languages.py), not from $PATH: a
# compiler elsewhere (a CI runner's own Node.js, Go or Java) is not one the judge can offer.
[ -x /usr/bin/javac ] && [ -x /usr/bin/java ] || need+=(default-jdk-headless)
# Code scanning's Python linter runs in the sandbox on Debian's python3.
[ -d /usr/lib/python3/dist-packages/pyflakes ] || need+=(python3-pyflakes)
[ -x /usr/bin/node ] || need+=(nodejs)
have_cmd npm || need+=(npm)
[ -x /usr/lib/go/bin/go ] || [ -x /usr/local/go/bin/go ] || compgen -G '/usr/lib/go-*/bin/go' >/dev/null || need+=(golang-go)
[ -x /usr/bin/ruby ] || need+=(ruby)
# Kotlin runs on the JDK above (Debian's kotlinc); C# is Mono's mcs and runtime.
[ -f /usr/share/kotlin/kotlinc/lib/kotlin-compiler.jar ] || need+=(kotlin)
[ -f /usr/lib/mono/4.5/mcs.exe ] || need+=(mono-mcs)
[ -x /usr/bin/mono ] || need+=(mono-runtime)
# Rust: root's or the system's rustup toolchain when there is one (the judge looks there first), else Debian's.
[ -x /usr/bin/rustc ] || compgen -G '/root/.rustup/toolchains/stable-*/bin/rustc' >/dev/null \
  || compgen -G '/usr/local/rustup/toolchains/stable-*/bin/rustc' >/dev/null || need+=(rustc)
if [ "$purpose" = test ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || have_cmd initdb || need+=(postgresql)
  have_cmd runuser || need+=(util-linux)
  # The end-to-end tests drive Debian's Chromium headless (Playwright never downloads a browser).
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # The container tests start Debian's Docker engine themselves, with a data directory of their own.
  have_cmd dockerd || need+=(docker.io)
  # The image tests build a Debian base with debootstrap (no registry is reachable) and Verdict's images on it.
  have_cmd debootstrap || need+=(debootstrap)
fi

[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && have_cmd apt-get; then
  echo "Installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
  # The Debian postgresql package starts a cluster of its own; the tests start their own servers.
  if printf '%s\n' "${need[@]}" | grep -qx postgresql && have_cmd pg_ctlcluster; then
    service postgresql stop >/dev/null 2>&1 || true
  fi
  # Likewise the engine the docker.io package may start: the container tests run their own.
  if printf '%s\n' "${need[@]}" | grep -qx docker.io; then
    service docker stop >/dev/null 2>&1 || true
    service containerd stop >/dev/null 2>&1 || true
  fi
  exit 0
fi

echo "Verdict needs these system packages: ${need[*]}" >&2
echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
exit 1
