//! The tool's dates are the library's: `losant_rest::date` reads and writes
//! Losant's RFC 3339 date-times, and `ApiToken::expires_at` and
//! `ApiToken::created_at` read a token's. Only the command line's bare
//! `YYYY-MM-DD` is the tool's own (see `cli::future_date`).

pub use losant_rest::date::{format, parse};
