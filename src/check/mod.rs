//! The check stage: keys, references and the whole-dataset rules, on data already
//! derived. Pure: it reads nothing and writes nothing, it only reports.

mod keys;
pub mod release;
mod rules;

pub use keys::check_keys;
pub use rules::run as rules;
