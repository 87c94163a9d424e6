//! The domain: what EKS authentication *is*, as pure functions and
//! constants. No I/O here (no files, no environment, no network, no
//! runtime), so every rule is tested from strings, and every other layer
//! may use it: commands -> infrastructure -> domain.
//!
//! Each rule is written once:
//! - [`access_policy`]: the EKS access policies, by name and by ARN.
//! - [`arn`]: ARNs of IAM principals (parsing, the authenticator's
//!   canonical form, IAM paths, role names, SSO roles, EKS cluster ARNs).
//! - [`partition`]: the AWS partitions (by region) and the STS hosts EKS
//!   accepts, from one table.
//! - [`token`]: the EKS token's fixed facts (prefix, signed header,
//!   lifetime, size limit, X-Amz-Date layout).
//! - [`exec_entry`]: which tool a kubeconfig exec entry runs (`aws`,
//!   `aws-iam-authenticator`, this plugin), for paths of any OS, and
//!   whether its arguments make it an EKS token.
//! - [`wildcard`]: IAM's and aws-auth's `*`/`?` matching.
//! - [`sso`]: the command that logs an IAM Identity Center profile in.
//! - [`shell`]: quoting a word for a POSIX shell, for commands to paste.

pub mod access_policy;
pub mod arn;
pub mod exec_entry;
pub mod partition;
pub mod shell;
pub mod sso;
pub mod token;
pub mod wildcard;
