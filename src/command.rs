//! One module per subcommand.

pub mod audit;
pub mod demo;
pub mod import;
pub mod migrate;
pub mod projections;
pub mod serve;
pub mod users;
