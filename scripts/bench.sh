#!/usr/bin/env bash
# Builds the release binary and benchmarks it against `aws eks get-token`
# (the AWS CLI of the test venv, installed here if missing). Prints medians,
# peak memory and ratios; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
AWSCLI_VERSION=1.46.3
if [ ! -x .venv/bin/aws ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check "awscli==$AWSCLI_VERSION"
fi
if [ ! -x /usr/bin/time ]; then
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq time >/dev/null
fi
# The release recipe (see README, "Releases"): on Linux a non-PIE binary, as
# Go builds kubectl and aws-iam-authenticator; a PIE binary of this size
# spends a third of a cache hit relocating ~25k pointers at every start.
triple="$(rustc -vV | sed -n 's/^host: //p')"
case "$triple" in
  *-linux-*) export RUSTFLAGS="${RUSTFLAGS:-} -C relocation-model=static" ;;
esac
# The plugin as it ships (the `dist` profile); the simulator needs no more
# than release.
cargo build --profile dist --locked -p kubectl-eksauth --target "$triple"
cargo build --release --locked -p eks-sim --target "$triple"
python3 scripts/bench.py --eksauth "target/$triple/dist/kubectl-eksauth" --aws .venv/bin/aws \
  --sim "target/$triple/release/eks-sim" "$@"
