//! Injected faults: STS throttling (the first N STS calls, the API server's
//! in-process token checks included, answer 400 Throttling), listeners that
//! accept connections and never answer, a published port nothing listens
//! on, and the API server behind a certificate from another CA.

use std::sync::atomic::{AtomicI64, Ordering};

use tokio::net::TcpListener;

use crate::fixture::Faults;

/// The run-time state of the faults.
#[derive(Debug)]
pub struct FaultState {
    /// STS calls still to throttle; -1 = all.
    sts_throttle: AtomicI64,
    /// Services whose listener accepts and never answers.
    pub hang: Vec<String>,
}

/// Service names `faults.hang` accepts.
pub const SERVICES: [&str; 6] = ["sts", "sso", "sso_oidc", "eks", "iam", "kube"];

impl FaultState {
    /// From the fixture's `faults`.
    pub fn from_fixture(f: &Faults) -> FaultState {
        FaultState {
            sts_throttle: AtomicI64::new(f.sts_throttle_requests),
            hang: f.hang.clone(),
        }
    }

    /// Whether this STS call is throttled (counts it down).
    pub fn throttle_sts(&self) -> bool {
        let mut current = self.sts_throttle.load(Ordering::SeqCst);
        loop {
            match current {
                -1 => return true,
                n if n <= 0 => return false,
                n => match self.sts_throttle.compare_exchange(
                    n,
                    n - 1,
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                ) {
                    Ok(_) => return true,
                    Err(actual) => current = actual,
                },
            }
        }
    }

    /// Whether `service`'s listener must hang.
    pub fn hangs(&self, service: &str) -> bool {
        self.hang.iter().any(|s| s == service)
    }
}

/// Accept connections and hold them open without ever reading or answering
/// (a firewall that drops replies, a wedged server).
pub async fn serve_hang(listener: TcpListener, service: &'static str) {
    let mut held = Vec::new();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                eprintln!("eks-sim {service}: connection accepted and left unanswered (fault)");
                held.push(stream);
            }
            Err(err) => eprintln!("eks-sim {service}: accept failed: {err}"),
        }
    }
}

/// A `127.0.0.1` port that was free a moment ago and that nothing listens
/// on (connections are refused).
pub async fn closed_port() -> anyhow::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").await?;
    Ok(l.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::EndpointFault;

    #[test]
    fn throttle_cases() {
        let state = |n| {
            FaultState::from_fixture(&Faults {
                hang: vec![],
                sts_throttle_requests: n,
                cluster_endpoint: EndpointFault::Normal,
            })
        };
        let s = state(2);
        let got: Vec<bool> = (0..4).map(|_| s.throttle_sts()).collect();
        assert_eq!(got, [true, true, false, false], "first_two_throttled");
        let s = state(-1);
        assert!((0..5).all(|_| s.throttle_sts()), "always_throttled");
        let s = state(0);
        assert!(!s.throttle_sts(), "never_throttled");
    }
}
