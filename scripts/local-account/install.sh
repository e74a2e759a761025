#!/usr/bin/env bash
# Installs what the local AWS account needs, from Debian's apt repositories, only when missing:
#   - docker.io        : dockerd 20.10 and its CLI in /usr/bin (a CLI whose DOCKER_BUILDKIT=1 builds honour
#                        per-Dockerfile ignore files such as Dockerfile.dockerignore);
#   - docker-registry  : the distribution v2 registry, served over TLS as the model's "ECR" registry;
#   - openssl          : to make the test CA and the registry's server certificate;
#   - chromium         : the browser that renders the Mermaid pictures in the tests (__tests__/browser/);
#   - fonts-dejavu-core: a font for the pictures' labels;
#   - busybox-static   : a shell for a base image made locally (bench/docker-cache.ts: Docker Hub is unreachable).
# Idempotent: a second run with everything present does nothing (no apt-get update either).
set -euo pipefail

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
[ -x /usr/bin/docker ] || missing+=(docker.io)
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
[ -x /bin/busybox ] || missing+=(busybox-static)

if [ ${#missing[@]} -eq 0 ]; then
  echo "local-account: dockerd, docker-registry, openssl, chromium, a font and busybox already installed"
  exit 0
fi

# de-duplicate
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" -ne 0 ]; then
  echo "local-account: install.sh must run as root to apt-get install: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Only refresh the package lists when apt has never fetched them (or cannot find a package).
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
  apt-get update -qq
fi
# --no-install-recommends: we need neither containerd's extras nor bridge-utils etc. beyond hard deps.
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "local-account: installed ${missing[*]}"
