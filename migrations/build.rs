//! Rebuilds the crate when a migration file is added or changed: `sqlx::migrate!` embeds the
//! directories at compile time, and cargo does not watch them on its own.

fn main() {
    println!("cargo:rerun-if-changed=postgres");
    println!("cargo:rerun-if-changed=sqlite");
}
