//! Rebuilds the crate when a migration file changes.
//!
//! `sqlx::migrate!` embeds `migrations/` at compile time, but cargo only watches source
//! files: a change that adds nothing but a migration would otherwise leave the old set
//! embedded in the binary.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
