//! Transitional: the old path of the helpers now in tests/common.
#![allow(dead_code, unused_imports)]

pub use crate::common::*;

pub fn sandbox(sim: &Sim) -> Sandbox {
    Sandbox::installed(sim)
}
