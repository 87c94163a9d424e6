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
# The AWS endpoints are the simulator's, through the standard overrides, as
# for any AWS-compatible endpoint: tokens are presigned for its STS, and
# `why` asks its STS and EKS API.
export AWS_ENDPOINT_URL_STS=$(endpoint sts) AWS_ENDPOINT_URL_EKS=$(endpoint eks)
export AWS_ENDPOINT_URL_IAM=$(endpoint iam) AWS_ENDPOINT_URL_SSO=$(endpoint sso)

# An IAM Identity Center (SSO) profile, logged in: the AWS CLI's cache file.
mkdir -p "$HOME/.aws/sso/cache"
cat > "$HOME/.aws/config" <<INI
[profile sso-admin]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = AdministratorAccess
region = us-west-2
[sso-session corp]
sso_start_url = https://d-123.awsapps.com/start
sso_region = us-east-1
INI
python3 - "$HOME/.aws/sso/cache" <<'PY'
import datetime, hashlib, json, sys
exp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
name = hashlib.sha1(b"corp").hexdigest() + ".json"
json.dump({"startUrl": "https://d-123.awsapps.com/start", "region": "us-east-1",
           "accessToken": "sso-token-alice", "expiresAt": exp}, open(f"{sys.argv[1]}/{name}", "w"))
PY

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
  for u in admin dev intruder sso-admin; do echo "- name: $u"; echo "  context: {cluster: demo, user: $u}"; done
  echo "current-context: admin"
  echo "users:"
  user admin AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
  user dev AKIAI44QH8DHBEXAMPLE je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY
  user intruder AKIAINTRUDER0EXAMPLE 8bQ2Vd1ZqkT0rR9xYh3JmN5pLw7sUc4eEXAMPLEK
  cat <<YAML
- name: sso-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: $BIN/kubectl-eksauth
      args: [token, --cluster-name, demo, --region, us-west-2]
      env: [{name: AWS_PROFILE, value: sso-admin}]
      interactiveMode: Never
YAML
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
echo "==> an SSO administrator, logged in, is refused too: the cluster still only says Unauthorized"
show "$KUBECTL" --context sso-admin get pods -n default

echo
echo "==> kubectl eksauth why names the cause and the fix (the admin context reads aws-auth)"
show "$BIN/kubectl-eksauth" why --context sso-admin --admin-context admin
echo
echo "==> and for Forbidden: why VERB RESOURCE names what is missing"
show "$BIN/kubectl-eksauth" why list pods -n default --context dev --admin-context admin

echo
echo "==> why for the healthy context: no error, exit status 0"
show "$BIN/kubectl-eksauth" why --context admin
