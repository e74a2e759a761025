#!/usr/bin/env bash
# Creates, in the running local account, what terraform creates for one Quetzal model (see provision.ts):
# S3 bucket, ECR repository, IAM roles, a FROM scratch placeholder image pushed to the registry, the Lambda
# function (PackageType Image) and the state machine — all named <model-name>. Idempotent.
# Usage: provision.sh <model-name> [STATE_DIR]   (default STATE_DIR: <repo>/.local-account)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: provision.sh <model-name> [STATE_DIR]" >&2; exit 2; }
STATE_DIR=${2:-$REPO/.local-account}
[ -s "$STATE_DIR/env" ] || { echo "local-account: $STATE_DIR/env not found: run scripts/local-account/start.sh first" >&2; exit 1; }
# shellcheck disable=SC1091
source "$STATE_DIR/env"
exec "$REPO/node_modules/.bin/node" "$HERE/provision.ts" "$1"
