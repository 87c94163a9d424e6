//! The simulator's clock: the real clock shifted by a fixed offset, so a
//! fixture can put the "servers" ahead of or behind the client. Every time
//! check and every `Date` header reads this clock; pure code takes `now` as
//! an argument instead.

use time::{Duration, OffsetDateTime};

/// The real UTC clock plus a constant offset.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    offset: Duration,
}

impl Clock {
    /// A clock `seconds` ahead of the real one (behind when negative).
    pub fn with_offset_seconds(seconds: i64) -> Self {
        Clock {
            offset: Duration::seconds(seconds),
        }
    }

    /// The simulator's current time.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset
    }
}
