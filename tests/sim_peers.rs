//! The simulator proven against the real peers, not against our own code:
//! `sim/tests/peer_check.sh` has the AWS CLI sign STS calls and EKS tokens
//! and the real kubectl talk to the simulated API server, and checks each
//! answer (200, 401, 403, STS's error codes) is the one EKS would give.

mod common;
use common::*;

#[test]
fn simulator_answers_the_aws_cli_and_kubectl_as_eks_would() {
    let mut c = std::process::Command::new("bash");
    c.arg(repo().join("sim/tests/peer_check.sh"))
        .env("AWS", aws_cli())
        .env("KUBECTL", kubectl())
        .env("SIM", sim_bin())
        .current_dir(repo());
    let r = run_within(c, std::time::Duration::from_secs(240));
    assert_eq!(r.code, 0, "peer check failed:\n{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(" passed, 0 failed"), "{}", r.stdout);
}
