#!/usr/bin/env bash
# Stops what start.sh started in STATE_DIR — by the PIDs it recorded, nothing else — then removes the
# /etc/hosts entry, the loopback address and the /etc/docker/certs.d CA it added. Data (images, registry blobs) stays in STATE_DIR.
# Usage: stop.sh [STATE_DIR]   (default: <repo>/.local-account)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE_DIR=${1:-$REPO/.local-account}
STOP_TIMEOUT=${LOCAL_ACCOUNT_STOP_TIMEOUT:-20}

log() { echo "local-account: $*" >&2; }

if [ ! -d "$STATE_DIR" ]; then
  log "nothing to stop: $STATE_DIR does not exist"
  exit 0
fi
STATE_DIR=$(cd "$STATE_DIR" && pwd)
HOSTS_MARKER="# quetzal-local-account $STATE_DIR" # as start.sh writes it: only this account's entry

# The PID is ours only if the process still runs the command we started (guards against PID reuse).
ours() { # <pid> <expected substring of /proc/<pid>/cmdline>
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [[ "$cmdline" == *"$2"* ]]
}

# Alive = exists and is not a zombie (our daemons are reparented to PID 1, which may reap them late).
alive() { # <pid>
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

stop_one() { # <name> <cmdline substring>
  local name=$1 expect=$2 file="$STATE_DIR/$1.pid" pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  if alive "$pid" && ours "$pid" "$expect"; then
    kill -TERM "$pid" 2>/dev/null
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if alive "$pid"; then
      log "$name (pid $pid) did not exit within ${STOP_TIMEOUT}s: kill -9"
      kill -KILL "$pid" 2>/dev/null
      while alive "$pid"; do sleep 0.1; done
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$file"
}

# dockerd first (it stops its own containerd), then the registry's front, the registry, moto.
stop_one dockerd "dockerd"
# containerd, started by dockerd, may outlive a killed dockerd: stop it by the PID file it wrote under STATE_DIR.
for f in "$STATE_DIR"/exec/containerd/containerd.pid; do
  [ -s "$f" ] || continue
  cp "$f" "$STATE_DIR/containerd.pid"
  stop_one containerd "containerd"
done
stop_one registry-front "registry-front.ts"
stop_one registry "docker-registry"
stop_one moto "moto_patches.py"
rm -f "$STATE_DIR/env" "$STATE_DIR/docker.sock"

# This account's line only; /etc/hosts may be a bind mount: rewrite it in place rather than replacing the file.
if grep -qF " $HOSTS_MARKER" /etc/hosts 2>/dev/null; then
  awk -v m=" $HOSTS_MARKER" 'length($0) < length(m) || substr($0, length($0) - length(m) + 1) != m' /etc/hosts >"$STATE_DIR/hosts.tmp"
  cat "$STATE_DIR/hosts.tmp" >/etc/hosts
  rm -f "$STATE_DIR/hosts.tmp"
fi
# the registry's address on the loopback interface, only if start.sh added it
if [ -s "$STATE_DIR/lo-address" ]; then
  ip addr del "$(cat "$STATE_DIR/lo-address")" dev lo 2>/dev/null || true
  rm -f "$STATE_DIR/lo-address"
fi
if [ -s "$STATE_DIR/certs.d.path" ]; then
  certs_d=$(cat "$STATE_DIR/certs.d.path")
  case "$certs_d" in
    /etc/docker/certs.d/*.amazonaws.com)
      rm -f "$certs_d/ca.crt"
      rmdir "$certs_d" 2>/dev/null || true
      ;;
  esac
  rm -f "$STATE_DIR/certs.d.path"
fi
log "stopped ($STATE_DIR)"
