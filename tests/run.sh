#!/usr/bin/env bash
# The whole test suite, with the peers it compares against installed first:
#   - faketime (Debian package) to freeze the clock for byte-for-byte checks
#   - the AWS CLI, pinned, in a venv at .venv (the reference `aws eks get-token`)
#   - kubectl, the real one, at /usr/bin/kubectl
# Then every Rust test of the workspace (unit, integration, simulator).
set -euo pipefail
cd "$(dirname "$0")/.."

AWSCLI_VERSION=1.46.3

if ! command -v faketime >/dev/null 2>&1; then
  echo "tests/run.sh: installing faketime" >&2
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq faketime >/dev/null
fi

if [ ! -x .venv/bin/aws ] || ! .venv/bin/aws --version 2>&1 | grep -q "aws-cli/$AWSCLI_VERSION "; then
  echo "tests/run.sh: installing awscli==$AWSCLI_VERSION into .venv" >&2
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check "awscli==$AWSCLI_VERSION"
fi

KUBECTL="${EKSAUTH_TEST_KUBECTL:-/usr/bin/kubectl}"
if [ ! -x "$KUBECTL" ]; then
  echo "tests/run.sh: the real kubectl is required at $KUBECTL (set EKSAUTH_TEST_KUBECTL)" >&2
  exit 1
fi

export EKSAUTH_TEST_AWS="$PWD/.venv/bin/aws"
export EKSAUTH_TEST_FAKETIME="$(command -v faketime)"
export EKSAUTH_TEST_KUBECTL="$KUBECTL"

# The simulator binary is used by the integration tests of the main package,
# which cargo does not build for them: build every binary first (the same
# dev profile, so `cargo test` reuses it), then run every test.
cargo build --workspace --locked --bins
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --locked --no-fail-fast "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
