//! Callbacks over HTTP.
