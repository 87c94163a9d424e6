#!/usr/bin/env bash
# peer_check.sh: proves eks-sim against the real peers, not against our own
# code. The AWS CLI (botocore) signs STS calls and EKS tokens; the real
# kubectl runs the exec plugin and talks to the simulated API server. Each
# check states what EKS would answer; the script fails if the simulator
# answers anything else.
#
# Usage: AWS=/path/to/aws [KUBECTL=/usr/bin/kubectl] [SIM=path/to/eks-sim] \
#          sim/tests/peer_check.sh
# Run from the workspace root. SIM defaults to the binary built with
# CARGO_TARGET_DIR (or target/) in debug mode.
set -euo pipefail

: "${AWS:?set AWS to the aws CLI, e.g. AWS=/tmp/awsvenv/bin/aws}"
KUBECTL=${KUBECTL:-kubectl}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIM=${SIM:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/eks-sim}
FIXTURE=$ROOT/sim/fixtures/example.yaml
ACCOUNT=111122223333

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# Isolate the peers from the caller's AWS and kube configuration.
export HOME=$WORK/home AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_DEFAULT_REGION=us-west-2 AWS_PAGER=""
unset AWS_PROFILE AWS_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_STS AWS_SESSION_TOKEN KUBECONFIG
mkdir -p "$HOME"

# Fixture credentials (fake, only valid against the simulator).
ADMIN=(AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY)
DEV=(AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE AWS_SECRET_ACCESS_KEY=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY)
INTRUDER=(AWS_ACCESS_KEY_ID=AKIAINTRUDER0EXAMPLE AWS_SECRET_ACCESS_KEY=8bQ2Vd1ZqkT0rR9xYh3JmN5pLw7sUc4eEXAMPLEK)
BADSECRET=(AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong)

PASS=0
FAIL=0

# start_sim NAME FIXTURE [ARGS...]: start a simulator in $WORK/NAME and wait
# for its endpoints.json (its presence means every listener is bound).
start_sim() {
    local name=$1 fixture=$2
    shift 2
    local dir=$WORK/$name
    "$SIM" --fixture "$fixture" --state-dir "$dir" "$@" >/dev/null 2>"$WORK/$name.log" &
    PIDS+=($!)
    for _ in $(seq 100); do
        [ -f "$dir/endpoints.json" ] && return
        sleep 0.1
    done
    echo "eks-sim $name did not start:" >&2
    cat "$WORK/$name.log" >&2
    exit 1
}

# endpoint DIR KEY: one value of DIR/endpoints.json.
endpoint() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1/endpoints.json" "$2"
}

# kubeconfig DIR FILE [GET-TOKEN ARGS...]: a kubeconfig whose user runs
# `aws eks get-token ARGS` (default: --cluster-name demo --region us-west-2).
kubeconfig() {
    local dir=$1 file=$2
    shift 2
    local args=("$@")
    [ ${#args[@]} -gt 0 ] || args=(--cluster-name demo --region us-west-2)
    local yaml_args
    yaml_args=$(printf '"%s", ' eks get-token "${args[@]}")
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: demo
  cluster: {server: "$(endpoint "$dir" kube)", certificate-authority: "$(endpoint "$dir" ca_file)"}
users:
- name: aws
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: "$AWS"
      args: [${yaml_args%, }]
      interactiveMode: Never
contexts:
- name: demo
  context: {cluster: demo, user: aws}
current-context: demo
EOF
}

# token_kubeconfig DIR FILE TOKEN: a kubeconfig with a fixed bearer token.
token_kubeconfig() {
    cat >"$2" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: demo
  cluster: {server: "$(endpoint "$1" kube)", certificate-authority: "$(endpoint "$1" ca_file)"}
users:
- name: fixed
  user: {token: "$3"}
contexts:
- name: demo
  context: {cluster: demo, user: fixed}
current-context: demo
EOF
}

# check NAME WANT PATTERN -- CMD...: run CMD (env assignments allowed first);
# WANT is ok or fail (exit status); PATTERN must occur in stdout+stderr.
# kubectl words a 401 "You must be logged in to the server (Unauthorized)",
# or "(the server has asked for the client to provide credentials)" when it
# fails during discovery; a 403 is "Error from server (Forbidden)".
check() {
    local name=$1 want=$2 pattern=$3
    shift 4
    local out status=0
    out=$(env "$@" 2>&1) || status=$?
    local got=ok
    [ "$status" -eq 0 ] || got=fail
    if [ "$got" = "$want" ] && grep -qF -- "$pattern" <<<"$out"; then
        echo "ok   - $name"
        PASS=$((PASS + 1))
    else
        echo "FAIL - $name (exit $status, wanted $want and: $pattern)"
        sed 's/^/       | /' <<<"$out" | head -20
        FAIL=$((FAIL + 1))
    fi
}

# logged NAME SIM PATTERN: the simulator's last log line gives the reason.
logged() {
    check "$1" ok "$3" -- tail -n 1 "$WORK/$2.log"
}

get_token() { # ENV... CMD...: print only the token of `aws eks get-token`
    env "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["token"])'
}

kc() { echo "$KUBECTL --kubeconfig $1 --cache-dir $WORK/kcache"; }

# --- main simulator -----------------------------------------------------------
start_sim main "$FIXTURE"
MAIN=$WORK/main
STS=$(endpoint "$MAIN" sts)
SSO=$(endpoint "$MAIN" sso)
KC=$WORK/main.kubeconfig
kubeconfig "$MAIN" "$KC"
KC_STS=$WORK/main-sts.kubeconfig     # tokens presigned for the simulator's STS
kubeconfig "$MAIN" "$KC_STS"
KC_ROLE=$WORK/main-role.kubeconfig
kubeconfig "$MAIN" "$KC_ROLE" --cluster-name demo --region us-west-2 --role-arn "arn:aws:iam::$ACCOUNT:role/eks-admins"
KC_OTHER=$WORK/main-other.kubeconfig
kubeconfig "$MAIN" "$KC_OTHER" --cluster-name other --region us-west-2

echo "# STS, header-signed by botocore"
check "get-caller-identity verifies the header signature" ok "\"Arn\": \"arn:aws:iam::$ACCOUNT:user/admin\"" -- \
    "${ADMIN[@]}" AWS_ENDPOINT_URL_STS="$STS" "$AWS" sts get-caller-identity
check "wrong secret is SignatureDoesNotMatch" fail "(SignatureDoesNotMatch)" -- \
    "${BADSECRET[@]}" AWS_ENDPOINT_URL_STS="$STS" "$AWS" sts get-caller-identity
check "unknown key is InvalidClientTokenId" fail "(InvalidClientTokenId)" -- \
    AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000000 AWS_SECRET_ACCESS_KEY=x AWS_ENDPOINT_URL_STS="$STS" "$AWS" sts get-caller-identity
check "assume-role allowed by the trust list" ok "arn:aws:sts::$ACCOUNT:assumed-role/eks-admins/peer" -- \
    "${ADMIN[@]}" AWS_ENDPOINT_URL_STS="$STS" "$AWS" sts assume-role \
    --role-arn "arn:aws:iam::$ACCOUNT:role/eks-admins" --role-session-name peer
check "assume-role denied outside the trust list" fail \
    "User: arn:aws:iam::$ACCOUNT:user/intruder is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$ACCOUNT:role/eks-admins" -- \
    "${INTRUDER[@]}" AWS_ENDPOINT_URL_STS="$STS" "$AWS" sts assume-role \
    --role-arn "arn:aws:iam::$ACCOUNT:role/eks-admins" --role-session-name peer
check "expired session credentials are ExpiredToken" fail "(ExpiredToken)" -- \
    AWS_ACCESS_KEY_ID=ASIAEXAMPLEOLD000001 AWS_SECRET_ACCESS_KEY=b2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xkb2xk \
    AWS_SESSION_TOKEN=FwoGZXIvYXdzEXAMPLE/old+session+token== AWS_ENDPOINT_URL_STS="$STS" "$AWS" sts get-caller-identity

echo "# kubectl with tokens from aws eks get-token"
check "mapped admin: whoami (regional STS host)" ok '"username": "admin"' -- \
    "${ADMIN[@]}" $(kc "$KC") auth whoami -o json
check "mapped admin: whoami shows EKS extra" ok "\"canonicalArn\": [" -- \
    "${ADMIN[@]}" $(kc "$KC") auth whoami -o json
check "mapped admin: whoami (token presigned for the simulator's STS)" ok '"system:masters"' -- \
    "${ADMIN[@]}" AWS_ENDPOINT_URL_STS="$STS" $(kc "$KC_STS") auth whoami -o json
check "mapped admin: get pods is 200" ok "No resources found in default namespace." -- \
    "${ADMIN[@]}" $(kc "$KC") get pods
check "unmapped user: 401" fail "You must be logged in to the server (" -- \
    "${INTRUDER[@]}" $(kc "$KC") get pods
logged "...because it is not mapped" main "identity arn:aws:iam::$ACCOUNT:user/intruder is not mapped"
check "mapped user without RBAC: 403 with Kubernetes' message" fail \
    'Error from server (Forbidden): pods is forbidden: User "dev" cannot list resource "pods" in API group "" in the namespace "default"' -- \
    "${DEV[@]}" $(kc "$KC") get pods
check "same user in the namespace its group is bound in: 200" ok "app-7c9f" -- \
    "${DEV[@]}" $(kc "$KC") get pods -n dev
check "role via --role-arn: access entry with cluster admin policy" ok \
    "\"username\": \"arn:aws:sts::$ACCOUNT:assumed-role/eks-admins/EKSGetTokenAuth\"" -- \
    "${ADMIN[@]}" AWS_ENDPOINT_URL_STS="$STS" $(kc "$KC_ROLE") auth whoami -o json
check "role via --role-arn: get pods is 200" ok "No resources found" -- \
    "${ADMIN[@]}" AWS_ENDPOINT_URL_STS="$STS" $(kc "$KC_ROLE") get pods
check "token signed for another cluster name: 401" fail "You must be logged in to the server (" -- \
    "${ADMIN[@]}" $(kc "$KC_OTHER") get pods
logged "...as an STS signature mismatch" main "sts getCallerIdentity failed: 403 SignatureDoesNotMatch"

echo "# fixed tokens"
TOKEN=$(get_token "${ADMIN[@]}" "$AWS" eks get-token --cluster-name demo --region us-west-2)
token_kubeconfig "$MAIN" "$WORK/fixed.kubeconfig" "$TOKEN"
check "unaltered token: 200" ok "No resources found" -- $(kc "$WORK/fixed.kubeconfig") get pods
# Alter one byte inside the signature (the last base64 characters encode it).
ALTERED=$(python3 -c 'import sys; t=sys.argv[1]; i=len(t)-5; print(t[:i]+("A" if t[i]!="A" else "B")+t[i+1:])' "$TOKEN")
token_kubeconfig "$MAIN" "$WORK/altered.kubeconfig" "$ALTERED"
check "token with one altered byte: 401" fail "You must be logged in to the server (" -- $(kc "$WORK/altered.kubeconfig") get pods
# Alter one hex digit of X-Amz-Signature inside the URL: still a well-formed
# token, so only the signature check can refuse it.
ALTERED_SIG=$(python3 - "$TOKEN" <<'EOF'
import base64, re, sys
prefix = "k8s-aws-v1."
body = sys.argv[1][len(prefix):]
url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
url = re.sub(r"(X-Amz-Signature=[0-9a-f]*)([0-9a-f])$", lambda m: m.group(1) + ("0" if m.group(2) != "0" else "1"), url)
print(prefix + base64.urlsafe_b64encode(url.encode()).decode().rstrip("="))
EOF
)
token_kubeconfig "$MAIN" "$WORK/altered-sig.kubeconfig" "$ALTERED_SIG"
check "token with one altered signature digit: 401" fail "You must be logged in to the server (" -- \
    $(kc "$WORK/altered-sig.kubeconfig") get pods
logged "...refused by the STS signature check" main "sts getCallerIdentity failed: 403 SignatureDoesNotMatch"

echo "# SSO portal (aws sso get-role-credentials), SSO roles on the cluster"
check "unknown SSO token: UnauthorizedException" fail "(UnauthorizedException)" -- \
    "$AWS" sso get-role-credentials --endpoint-url "$SSO" --role-name ReadOnly \
    --account-id $ACCOUNT --access-token not-a-token
check "unassigned role: ForbiddenException" fail "(ForbiddenException)" -- \
    "$AWS" sso get-role-credentials --endpoint-url "$SSO" --role-name NoSuchRole \
    --account-id $ACCOUNT --access-token sso-token-alice
sso_env() { # ROLE: print env assignments for the role's SSO credentials
    "$AWS" sso get-role-credentials --endpoint-url "$SSO" --role-name "$1" \
        --account-id $ACCOUNT --access-token sso-token-alice --output json |
        python3 -c 'import json,sys; c=json.load(sys.stdin)["roleCredentials"]; print("AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s" % (c["accessKeyId"], c["secretAccessKey"], c["sessionToken"]))'
}
read -r -a SSO_ADMIN <<<"$(sso_env AdministratorAccess)"
read -r -a SSO_RO <<<"$(sso_env ReadOnly)"
check "SSO credentials are an assumed-role session without path" ok \
    "arn:aws:sts::$ACCOUNT:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com" -- \
    "${SSO_ADMIN[@]}" AWS_ENDPOINT_URL_STS="$STS" "$AWS" sts get-caller-identity
check "SSO role mapped in aws-auth WITH its path: 401" fail "You must be logged in to the server (" -- \
    "${SSO_ADMIN[@]}" $(kc "$KC") get pods
logged "...because the path keeps it from matching" main "identity arn:aws:iam::$ACCOUNT:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef is not mapped"
check "SSO role by access entry, view scoped to dev: 200 in dev" ok "app-7c9f" -- \
    "${SSO_RO[@]}" $(kc "$KC") get pods -n dev
check "access policy scoped to another namespace: 403" fail "Error from server (Forbidden)" -- \
    "${SSO_RO[@]}" $(kc "$KC") get pods -n default

echo "# a simulator whose clock is 16 minutes ahead"
start_sim late "$FIXTURE" --clock-offset 960
LATE=$WORK/late
token_kubeconfig "$LATE" "$WORK/late.kubeconfig" "$TOKEN"
check "token older than 15 minutes: 401" fail "You must be logged in to the server (" -- $(kc "$WORK/late.kubeconfig") get pods
logged "...by the authenticator's 15-minute rule" late "X-Amz-Date parameter is expired (15 minute expiration)"
check "STS: Signature expired" fail "Signature expired: " -- \
    "${ADMIN[@]}" AWS_ENDPOINT_URL_STS="$(endpoint "$LATE" sts)" "$AWS" sts get-caller-identity

echo "# a cluster in authentication mode API (aws-auth ignored)"
sed 's/authentication_mode: API_AND_CONFIG_MAP/authentication_mode: API/' "$FIXTURE" >"$WORK/api-mode.yaml"
start_sim apimode "$WORK/api-mode.yaml"
APIMODE=$WORK/apimode
kubeconfig "$APIMODE" "$WORK/apimode.kubeconfig"
check "user mapped only in aws-auth: 401 in mode API" fail "You must be logged in to the server (" -- \
    "${ADMIN[@]}" $(kc "$WORK/apimode.kubeconfig") get pods
logged "...because mode API ignores aws-auth" apimode "identity arn:aws:iam::$ACCOUNT:user/admin is not mapped"
check "user with an access entry still authenticates in mode API" ok "app-7c9f" -- \
    "${DEV[@]}" $(kc "$WORK/apimode.kubeconfig") get pods -n dev

echo "# EKS Pod Identity: associations, the agent add-on and DaemonSet, injected pods"
python3 - "$FIXTURE" >"$WORK/pod-identity.yaml" <<'PY'
import sys
t = open(sys.argv[1]).read()
t = t.replace("  access_entries:\n", """  addons:
    - name: eks-pod-identity-agent
  pod_identity_associations:
    - namespace: dev
      service_account: web
      role_arn: arn:aws:iam::111122223333:role/web-reader
  access_entries:
""", 1)
t = t.replace("  objects:\n", """  objects:
    - apiVersion: apps/v1
      kind: DaemonSet
      metadata: {name: eks-pod-identity-agent, namespace: kube-system}
    - apiVersion: v1
      kind: Pod
      metadata: {name: web-1, namespace: dev}
      spec:
        serviceAccountName: web
        containers:
          - name: web
            image: public.ecr.aws/aws-cli/aws-cli:latest
            env:
              - {name: AWS_CONTAINER_CREDENTIALS_FULL_URI, value: "http://169.254.170.23/v1/credentials"}
              - {name: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, value: /var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token}
""", 1)
print(t, end="")
PY
start_sim podid "$WORK/pod-identity.yaml"
PODID=$WORK/podid
kubeconfig "$PODID" "$WORK/podid.kubeconfig"
EKS_PI=(AWS_ENDPOINT_URL_EKS="$(endpoint "$PODID" eks)")
check "list-pod-identity-associations filtered by namespace and service account" ok '"serviceAccount": "web"' -- \
    "${ADMIN[@]}" "${EKS_PI[@]}" "$AWS" eks list-pod-identity-associations --cluster-name demo --namespace dev --service-account web
check "...and none for another service account" ok '"associations": []' -- \
    "${ADMIN[@]}" "${EKS_PI[@]}" "$AWS" eks list-pod-identity-associations --cluster-name demo --namespace dev --service-account app
ASSOC=$(env "${ADMIN[@]}" "${EKS_PI[@]}" "$AWS" eks list-pod-identity-associations --cluster-name demo \
    --query 'associations[0].associationId' --output text)
check "describe-pod-identity-association: its role" ok "\"roleArn\": \"arn:aws:iam::$ACCOUNT:role/web-reader\"" -- \
    "${ADMIN[@]}" "${EKS_PI[@]}" "$AWS" eks describe-pod-identity-association --cluster-name demo --association-id "$ASSOC"
check "describe-pod-identity-association: unknown id is ResourceNotFoundException" fail "(ResourceNotFoundException)" -- \
    "${ADMIN[@]}" "${EKS_PI[@]}" "$AWS" eks describe-pod-identity-association --cluster-name demo --association-id a-0000000000000000
check "describe-addon eks-pod-identity-agent: ACTIVE" ok '"status": "ACTIVE"' -- \
    "${ADMIN[@]}" "${EKS_PI[@]}" "$AWS" eks describe-addon --cluster-name demo --addon-name eks-pod-identity-agent
check "describe-addon of an add-on not installed: ResourceNotFoundException" fail "(ResourceNotFoundException)" -- \
    "${ADMIN[@]}" "${EKS_PI[@]}" "$AWS" eks describe-addon --cluster-name demo --addon-name vpc-cni
check "the intruder is denied ListPodIdentityAssociations" fail "(AccessDeniedException)" -- \
    "${INTRUDER[@]}" "${EKS_PI[@]}" "$AWS" eks list-pod-identity-associations --cluster-name demo
check "kubectl get daemonset in kube-system" ok "eks-pod-identity-agent" -- \
    "${ADMIN[@]}" $(kc "$WORK/podid.kubeconfig") get daemonset -n kube-system
check "kubectl sees the injected variables of the pod" ok "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" -- \
    "${ADMIN[@]}" $(kc "$WORK/podid.kubeconfig") get pod web-1 -n dev -o jsonpath='{.spec.containers[0].env[*].name}'
echo "# token size: a long session token pushes the token past 4096 bytes"
LONG_SESSION="FwoGZXIvYXdzEXAMPLE/$(python3 -c 'print("tAg+sEsSiOn/" * 266)')=="
python3 - "$FIXTURE" "$WORK/long.yaml" "$LONG_SESSION" <<'PY'
import sys
text = open(sys.argv[1]).read()
entry = ("  sessions:\n    - access_key_id: ASIAEXAMPLELONG00001\n"
         "      secret_access_key: bG9uZ2xvbmdsb25nbG9uZ2xvbmdsb25nbG9uZ2xv\n"
         "      session_token: \"%s\"\n"
         "      arn: arn:aws:sts::111122223333:assumed-role/eks-admins/tagged\n"
         "      expires_in_seconds: 3600\n") % sys.argv[3]
assert "  sessions:\n" in text
open(sys.argv[2], "w").write(text.replace("  sessions:\n", entry, 1))
PY
start_sim long "$WORK/long.yaml"
kubeconfig "$WORK/long" "$WORK/long.kubeconfig"
LONG=(AWS_ACCESS_KEY_ID=ASIAEXAMPLELONG00001 AWS_SECRET_ACCESS_KEY=bG9uZ2xvbmdsb25nbG9uZ2xvbmdsb25nbG9uZ2xv "AWS_SESSION_TOKEN=$LONG_SESSION")
check "the long session is valid at STS" ok "assumed-role/eks-admins/tagged" -- \
    "${LONG[@]}" AWS_ENDPOINT_URL_STS="$(endpoint "$WORK/long" sts)" "$AWS" sts get-caller-identity
LONG_TOKEN=$(get_token "${LONG[@]}" "$AWS" eks get-token --cluster-name demo --region us-west-2)
check "the AWS CLI's token with it is over 4096 bytes" ok "over" -- \
    python3 -c 'import sys; print("over" if len(sys.argv[1]) > 4096 else "under")' "$LONG_TOKEN"
check "a token over 4096 bytes: 401" fail "You must be logged in to the server (" -- \
    "${LONG[@]}" $(kc "$WORK/long.kubeconfig") get pods
logged "...refused for its size first" long "token is too large"

echo "# environment keys beat AWS_PROFILE, not --profile (aws-cli issue 7794)"
printf '[ops]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' >"$WORK/ops.credentials"
kubeconfig "$MAIN" "$WORK/flag.kubeconfig" --cluster-name demo --region us-west-2 --profile ops
check "AWS_PROFILE=ops with the intruder's keys exported: 401" fail "You must be logged in to the server (" -- \
    "${INTRUDER[@]}" AWS_PROFILE=ops AWS_SHARED_CREDENTIALS_FILE="$WORK/ops.credentials" $(kc "$KC") get pods
check "--profile ops with the intruder's keys exported: 200" ok "No resources found" -- \
    "${INTRUDER[@]}" AWS_SHARED_CREDENTIALS_FILE="$WORK/ops.credentials" $(kc "$WORK/flag.kubeconfig") get pods

echo "# logs carry no secrets"
if grep -qE 'wJalrXUtnFEMI|je7MtGbClwBF|FwoGZXIvYXdz|sso-token-alice|X-Amz-Signature|k8s-aws-v1\.' "$WORK"/*.log; then
    echo "FAIL - a secret appears in the simulator's log"
    FAIL=$((FAIL + 1))
else
    echo "ok   - no secret in the simulator's log"
    PASS=$((PASS + 1))
fi

echo "# $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
