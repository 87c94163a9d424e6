#!/usr/bin/env bash
# The quick start's first command: build, start the local EKS simulator with
# the bundled example cluster (sim/fixtures/example.yaml), write a kubeconfig
# whose user runs `kubectl-eksauth token`, and show the main job end to end:
# kubectl getting in through the plugin, and identities the cluster rejects.
# Needs no AWS account: every endpoint is the simulator on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

KUBECTL=${KUBECTL:-$(command -v kubectl || echo /usr/bin/kubectl)}
[ -x "$KUBECTL" ] || { echo "demo: kubectl is required (set KUBECTL)" >&2; exit 1; }

echo "==> building kubectl-eksauth and eks-sim"
cargo build --workspace --locked --quiet
BIN=$ROOT/target/debug

WORK=$(mktemp -d)
SIM_PID=""
cleanup() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

echo "==> starting the simulated EKS cluster \"demo\" (us-west-2)"
"$BIN/eks-sim" --fixture sim/fixtures/example.yaml --state-dir "$WORK/sim" 2>"$WORK/sim.log" &
SIM_PID=$!
for _ in $(seq 200); do [ -f "$WORK/sim/endpoints.json" ] && break; sleep 0.05; done
[ -f "$WORK/sim/endpoints.json" ] || { cat "$WORK/sim.log" >&2; exit 1; }
endpoint() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$WORK/sim/endpoints.json" "$1"; }
KUBE=$(endpoint kube); CA=$(endpoint ca_file)

# A private HOME and kubeconfig, so nothing of the machine's is read or changed.
export HOME=$WORK/home KUBECONFIG=$WORK/kubeconfig KUBECACHEDIR=$WORK/cache
mkdir -p "$HOME"
unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_STS AWS_SESSION_TOKEN
export AWS_EC2_METADATA_DISABLED=true

# kubeconfig USER KEY SECRET: one context per identity of the example world.
user() {
  cat <<YAML
- name: $1
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: $BIN/kubectl-eksauth
      args: [token, --cluster-name, demo, --region, us-west-2]
      env:
      - {name: AWS_ACCESS_KEY_ID, value: $2}
      - {name: AWS_SECRET_ACCESS_KEY, value: $3}
      interactiveMode: Never
YAML
}
{
  echo "apiVersion: v1"
  echo "kind: Config"
  echo "clusters:"
  echo "- name: demo"
  echo "  cluster: {server: $KUBE, certificate-authority: $CA}"
  echo "contexts:"
  for u in admin dev intruder; do echo "- name: $u"; echo "  context: {cluster: demo, user: $u}"; done
  echo "current-context: admin"
  echo "users:"
  user admin AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
  user dev AKIAI44QH8DHBEXAMPLE je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
  user intruder AKIAINTRUDER0EXAMPLE 8bQ2Vd1ZqkT0rR9xYh3JmN5pLw7sUc4eEXAMPLEK
} > "$KUBECONFIG"
chmod 600 "$KUBECONFIG"

show() { echo; echo "\$ $*"; "$@" 2>&1 || echo "(exit status $?)"; }

echo
echo "==> the exec plugin alone prints an ExecCredential (token abbreviated):"
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
  "$BIN/kubectl-eksauth" token --cluster-name demo --region us-west-2 | sed -E 's/(k8s-aws-v1\.[A-Za-z0-9_-]{24})[A-Za-z0-9_-]+/\1.../'

echo
echo "==> kubectl through the plugin: admin is mapped in aws-auth to system:masters"
show "$KUBECTL" --context admin auth whoami
show "$KUBECTL" --context admin get pods -n default

echo
echo "==> dev has an access entry but no rights in \"default\": Forbidden"
show "$KUBECTL" --context dev get pods -n default

echo
echo "==> intruder is mapped nowhere: the cluster only says Unauthorized"
show "$KUBECTL" --context intruder get pods -n default
echo
echo "(kubectl eksauth why, which names the cause of such a rejection, is on its way.)"
