#!/usr/bin/env bash
# Starts the local AWS account: moto_server (AWS APIs), a private dockerd, and an "ECR" registry
# (Debian's docker-registry behind registry-front.ts, TLS on port 443 under the host name moto's ECR hands out).
# Usage: start.sh [STATE_DIR]   (default: <repo>/.local-account)
# Environment overrides: LOCAL_ACCOUNT_MOTO_PORT (5123), LOCAL_ACCOUNT_REGISTRY_PORT (5124, the plain-HTTP
# registry behind the TLS front), LOCAL_ACCOUNT_REGION (us-east-1), LOCAL_ACCOUNT_REGISTRY_IP (127.0.0.1,
# the address the registry host resolves to; the TLS front listens there on port 443).
# Writes STATE_DIR/env (export lines) when everything answers. Idempotent: what already runs is reused.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
STATE_DIR=${1:-$REPO/.local-account}
mkdir -p "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd)

MOTO_PORT=${LOCAL_ACCOUNT_MOTO_PORT:-5123}
REGISTRY_PORT=${LOCAL_ACCOUNT_REGISTRY_PORT:-5124}
FRONT_PORT=443
REGISTRY_IP=${LOCAL_ACCOUNT_REGISTRY_IP:-127.0.0.1}
REGION=${LOCAL_ACCOUNT_REGION:-us-east-1}
ACCOUNT_ID=123456789012 # moto's default account
REGISTRY_HOST="$ACCOUNT_ID.dkr.ecr.$REGION.amazonaws.com"
HOSTS_MARKER="# quetzal-local-account $STATE_DIR" # one per account: never touch another STATE_DIR's entry
NODE="$REPO/node_modules/.bin/node"

log() { echo "local-account: $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- preconditions -------------------------------------------------------------------------------------------
command -v moto_server >/dev/null || die "moto_server not found (pip install 'moto[server]')"
DOCKERD=$(command -v dockerd || echo /usr/sbin/dockerd)
[ -x "$DOCKERD" ] || die "dockerd not found: run scripts/local-account/install.sh"
[ -x /usr/bin/docker-registry ] || die "/usr/bin/docker-registry not found: run scripts/local-account/install.sh"
[ -x /usr/bin/docker ] || die "/usr/bin/docker (Debian's CLI) not found: run scripts/local-account/install.sh"
command -v openssl >/dev/null || die "openssl not found: run scripts/local-account/install.sh"
[ -x "$NODE" ] || die "$NODE not found: run npm ci in $REPO"
[ "$(id -u)" -eq 0 ] || die "must run as root (dockerd, port 443, /etc/hosts)"
# unix socket paths must stay under ~100 characters (dockerd's and containerd's sockets live under STATE_DIR)
[ ${#STATE_DIR} -le 60 ] || die "STATE_DIR path too long for unix sockets (${#STATE_DIR} > 60 chars): $STATE_DIR"

# --- process bookkeeping -------------------------------------------------------------------------------------
pid_alive() { # <name>: true when STATE_DIR/<name>.pid names a live process (zombies count as dead)
  local f="$STATE_DIR/$1.pid" pid state
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

start_process() { # <name> <command...>: runs detached (own session), logs to STATE_DIR/<name>.log
  local name=$1; shift
  setsid "$@" >>"$STATE_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/$name.pid"
}

wait_until() { # <name> <seconds> <command...>: polls until the command succeeds; fails if the process died
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ! pid_alive "$name"; then
      tail -n 20 "$STATE_DIR/$name.log" >&2 || true
      die "$name exited during start (log: $STATE_DIR/$name.log)"
    fi
    [ $SECONDS -lt $deadline ] || { tail -n 20 "$STATE_DIR/$name.log" >&2 || true; die "$name did not answer within ${seconds}s"; }
    sleep 0.1
  done
}

port_free_at() { # <address> <port>: true when nothing listens there
  ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}
port_free() { port_free_at 127.0.0.1 "$1"; }

ensure_port_free() { # <name> <port>
  port_free "$2" || die "port $2 (for $1) is already used by a process this account did not start; stop it or set another port"
}

remove_hosts_entry() { # this account's line only; /etc/hosts may be a bind mount: rewrite it in place
  if grep -qF " $HOSTS_MARKER" /etc/hosts; then
    awk -v m=" $HOSTS_MARKER" 'length($0) < length(m) || substr($0, length($0) - length(m) + 1) != m' /etc/hosts >"$STATE_DIR/hosts.tmp"
    cat "$STATE_DIR/hosts.tmp" >/etc/hosts
    rm -f "$STATE_DIR/hosts.tmp"
  fi
}

# --- TLS: a test CA and a server certificate for the registry host -------------------------------------------
TLS="$STATE_DIR/tls"
mkdir -p "$TLS"
if [ ! -s "$TLS/ca.crt" ] || [ ! -s "$TLS/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=Quetzal local-account test CA" -keyout "$TLS/ca.key" -out "$TLS/ca.crt" 2>/dev/null
  rm -f "$TLS/server.crt"
fi
if [ ! -s "$TLS/server.crt" ] || [[ "$(openssl x509 -in "$TLS/server.crt" -noout -ext subjectAltName 2>/dev/null)" != *"DNS:$REGISTRY_HOST"* ]]; then
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$REGISTRY_HOST" \
    -keyout "$TLS/server.key" -out "$TLS/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$REGISTRY_HOST" >"$TLS/server.ext"
  openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" -CAcreateserial \
    -days 825 -extfile "$TLS/server.ext" -out "$TLS/server.crt" 2>/dev/null
fi
chmod 600 "$TLS"/*.key

# --- the registry host resolves to a local address; the private dockerd trusts the CA -----------------------
# The registry host resolves into the loopback range (127.0.0.0/8), the only addresses this machine's tests may
# talk to. dockerd treats such a registry as "insecure": it still speaks TLS first but skips the certificate check
# (and falls back to plain HTTP, so a refused login reads "connection refused" on port 80). Another 127.x address
# (LOCAL_ACCOUNT_REGISTRY_IP) lets two accounts run side by side.
lo_addresses=$(ip -o addr show dev lo) # not piped into grep -q: with pipefail, SIGPIPE would fail the test
if ! grep -qF " $REGISTRY_IP/" <<<"$lo_addresses"; then
  ip addr add "$REGISTRY_IP/32" dev lo || die "cannot add $REGISTRY_IP to the loopback interface"
  echo "$REGISTRY_IP/32" >"$STATE_DIR/lo-address"
fi
if ! grep -qxF "$REGISTRY_IP $REGISTRY_HOST $HOSTS_MARKER" /etc/hosts; then
  remove_hosts_entry
  echo "$REGISTRY_IP $REGISTRY_HOST $HOSTS_MARKER" >>/etc/hosts
fi
# dockerd reads registry CAs only from /etc/docker/certs.d/<host>/ (no flag); stop.sh removes what we add.
CERTS_D="/etc/docker/certs.d/$REGISTRY_HOST"
if ! cmp -s "$TLS/ca.crt" "$CERTS_D/ca.crt" 2>/dev/null; then
  mkdir -p "$CERTS_D"
  cp "$TLS/ca.crt" "$CERTS_D/ca.crt"
fi
echo "$CERTS_D" >"$STATE_DIR/certs.d.path"

# --- moto_server -----------------------------------------------------------------------------------------------
MOTO_URL="http://127.0.0.1:$MOTO_PORT"
if ! pid_alive moto; then
  ensure_port_free moto_server "$MOTO_PORT"
  # MOTO_LAMBDA_STUB_ECR=false: Lambda's CreateFunction/UpdateFunctionCode with an ImageUri require the image to
  # exist in moto's ECR (as in AWS); registry-front.ts mirrors every pushed manifest there.
  # moto_patches.py is moto_server with two fixes to its Step Functions (each explained in that file).
  start_process moto env MOTO_LAMBDA_STUB_ECR=false python3 "$HERE/moto_patches.py" -H 127.0.0.1 -p "$MOTO_PORT"
fi
wait_until moto 30 curl -sf "$MOTO_URL/moto-api/config"
# Executions run for real, through moto's ASL interpreter; a Lambda invocation answers with its payload (no
# container is started). A smoke run and an in-flight execution then behave as on AWS.
curl -sf -X POST "$MOTO_URL/moto-api/config" -d '{"stepfunctions": {"execute_state_machine": true}, "lambda": {"use_docker": false}}' >/dev/null

# --- the registry (plain HTTP on loopback) and its TLS front on 443 --------------------------------------------
mkdir -p "$STATE_DIR/registry"
cat >"$STATE_DIR/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
  relativeurls: true
  headers:
    X-Content-Type-Options: [nosniff]
EOF
if ! pid_alive registry; then
  ensure_port_free docker-registry "$REGISTRY_PORT"
  start_process registry /usr/bin/docker-registry serve "$STATE_DIR/registry.yml"
fi
wait_until registry 30 curl -sf "http://127.0.0.1:$REGISTRY_PORT/v2/"

if ! pid_alive registry-front; then
  port_free_at "$REGISTRY_IP" "$FRONT_PORT" || die "$REGISTRY_IP:$FRONT_PORT is already used by a process this account did not start"
  start_process registry-front env FRONT_HOST="$REGISTRY_HOST" FRONT_ADDRESS="$REGISTRY_IP" FRONT_PORT="$FRONT_PORT" \
    BACKEND_URL="http://127.0.0.1:$REGISTRY_PORT" MOTO_URL="$MOTO_URL" AWS_REGION="$REGION" \
    TLS_CERT="$TLS/server.crt" TLS_KEY="$TLS/server.key" \
    "$NODE" "$HERE/registry-front.ts"
fi
# /v2/ answers 401 with a Basic challenge until `docker login`: that is the "up" signal (curl -f not used).
registry_answers() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TLS/ca.crt" "https://$REGISTRY_HOST/v2/")" = 401 ]
}
wait_until registry-front 30 registry_answers

# --- the private dockerd ---------------------------------------------------------------------------------------
DOCKER_SOCK="$STATE_DIR/docker.sock"
if ! pid_alive dockerd; then
  [ ! -S "$DOCKER_SOCK" ] || rm -f "$DOCKER_SOCK"
  mkdir -p "$STATE_DIR/docker-data" "$STATE_DIR/exec"
  start_process dockerd "$DOCKERD" \
    --host "unix://$DOCKER_SOCK" \
    --data-root "$STATE_DIR/docker-data" \
    --exec-root "$STATE_DIR/exec" \
    --pidfile "$STATE_DIR/dockerd.daemon.pid" \
    --storage-driver vfs --iptables=false --ip6tables=false --ip-masq=false --bridge=none
fi
wait_until dockerd 60 env DOCKER_HOST="unix://$DOCKER_SOCK" /usr/bin/docker version

# --- the env file: everything a child process needs to use this account ------------------------------------
# bin/docker: Debian's 20.10 CLI first on PATH (its DOCKER_BUILDKIT=1 builds honour Dockerfile.dockerignore;
# the Docker 28 CLI in /usr/local/bin has no buildx and would fall back to the legacy builder).
mkdir -p "$STATE_DIR/bin" "$STATE_DIR/docker-config"
ln -sf /usr/bin/docker "$STATE_DIR/bin/docker"
ENV_FILE="$STATE_DIR/env"
cat >"$ENV_FILE.tmp" <<EOF
export AWS_ENDPOINT_URL=$MOTO_URL
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=$REGION
export AWS_DEFAULT_REGION=$REGION
export DOCKER_HOST=unix://$DOCKER_SOCK
export DOCKER_CONFIG=$STATE_DIR/docker-config
export DOCKER_BUILDKIT=1
export NODE_EXTRA_CA_CERTS=$TLS/ca.crt
export LOCAL_ACCOUNT_ID=$ACCOUNT_ID
export LOCAL_REGISTRY_HOST=$REGISTRY_HOST
export LOCAL_REGISTRY_CA=$TLS/ca.crt
export LOCAL_REGISTRY_IP=$REGISTRY_IP
export LOCAL_ACCOUNT_STATE_DIR=$STATE_DIR
export LOCAL_ACCOUNT_DOCKER_BIN=$STATE_DIR/bin
export PATH=$STATE_DIR/bin:\$PATH
EOF
mv "$ENV_FILE.tmp" "$ENV_FILE"
log "ready: moto $MOTO_URL, registry https://$REGISTRY_HOST, DOCKER_HOST=unix://$DOCKER_SOCK"
log "use it: source $ENV_FILE"
