//! Progress reporting and cancellation for long builds.
//!
//! Builders call [`BuildControl::progress`] between chunks of work. Returning `false` asks the
//! builder to stop; it then returns [`Cancelled`] (wrapped in its own error type) at the next
//! chunk boundary. A Web Worker posts a progress message from here; the CLI prints a bar.

/// The build was cancelled by its [`BuildControl`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("build cancelled")]
pub struct Cancelled;

/// Receives progress and decides whether a long-running build continues.
pub trait BuildControl {
    /// `done` of `total` work units are complete; `phase` names the current stage
    /// (e.g. "insert", "pass 1/2", "training"). Return `false` to cancel.
    fn progress(&mut self, phase: &str, done: usize, total: usize) -> bool;
}

/// A control that never cancels and ignores progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoControl;

impl BuildControl for NoControl {
    fn progress(&mut self, _phase: &str, _done: usize, _total: usize) -> bool {
        true
    }
}

impl<F: FnMut(&str, usize, usize) -> bool> BuildControl for F {
    fn progress(&mut self, phase: &str, done: usize, total: usize) -> bool {
        self(phase, done, total)
    }
}
