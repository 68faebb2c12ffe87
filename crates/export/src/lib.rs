//! Migration plan export (to be filled in).
