//! The integration tests, in one binary (one link, one run): end-to-end runs of the real
//! binary (`cli`), the bad-input corpus (`bad_input`), property tests of the resolver
//! and loaders (`properties`), where diagnostics locate keys (`locations`), the
//! documentation checks (`docs`) and the build's streaming of documents (`streaming`).

#[path = "suite/common.rs"]
mod common;

#[path = "suite/bad_input.rs"]
mod bad_input;
#[path = "suite/cli.rs"]
mod cli;
#[path = "suite/docs.rs"]
mod docs;
#[path = "suite/locations.rs"]
mod locations;
#[path = "suite/properties.rs"]
mod properties;
#[path = "suite/streaming.rs"]
mod streaming;
