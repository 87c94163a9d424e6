//! `kubectl eksauth why`: evidence in, findings out, one report.
//!
//! Gathering fills [`evidence::Evidence`] (all the I/O); [`checks`] turn it
//! into [`finding::Finding`]s without I/O; [`report`] renders them.

pub mod awsauth;
pub mod checks;
pub mod evidence;
pub mod finding;
pub mod gather;
pub mod inspect;
pub mod report;
pub mod resources;
pub mod run;
pub mod signer;
pub mod trust;
