//! ARNs moved to [`crate::domain::arn`]; this path stays for the checks
//! until they import the domain directly.

pub use crate::domain::arn::*;
