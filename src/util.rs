//! Where the small parsers and formatters used to live. Goes once verify,
//! inspect, probe and the store call their homes directly: durations and
//! times typed on the command line in `cli`, certificate times in
//! `pki::dates`, hex in `pki::hex`, durations for people in `output`.

pub use crate::cli::{parse_duration, parse_time};
pub use crate::output::format_duration;
pub use crate::pki::dates::{days_left, human_time, rfc3339};
pub use crate::pki::hex::{hex_colon, hex_upper};
