//! Progress on stderr: one `\r`-rewritten line per stage, only when stderr is a terminal (so
//! logs and `--json` pipelines stay clean). Also the native [`Clock`].

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use annlab_core::BuildControl;
use annlab_protocol::runner::Clock;

/// `std::time::Instant` as the runners' clock.
pub struct InstantClock(Instant);

impl InstantClock {
    pub fn new() -> Self {
        Self(Instant::now())
    }
}

impl Clock for InstantClock {
    fn now_seconds(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

/// Draws build progress; never cancels.
pub struct Progress {
    enabled: bool,
    last_draw: Option<Instant>,
    phase: String,
}

/// Redraw at most this often.
const REDRAW: Duration = Duration::from_millis(100);

impl Progress {
    /// Enabled when stderr is a terminal.
    pub fn stderr() -> Self {
        Self {
            enabled: std::io::stderr().is_terminal(),
            last_draw: None,
            phase: String::new(),
        }
    }

    /// Ends the current line (call before printing anything else on stderr).
    pub fn finish(&mut self) {
        if self.enabled && !self.phase.is_empty() {
            eprintln!();
        }
        self.phase.clear();
        self.last_draw = None;
    }
}

impl BuildControl for Progress {
    fn progress(&mut self, phase: &str, done: usize, total: usize) -> bool {
        if !self.enabled {
            return true;
        }
        let new_phase = phase != self.phase;
        let due = self.last_draw.is_none_or(|t| t.elapsed() >= REDRAW);
        if !(new_phase || due || done == total) {
            return true;
        }
        if new_phase {
            self.finish();
            self.phase = phase.to_string();
        }
        let mut err = std::io::stderr().lock();
        let _ = if total > 0 {
            let pct = 100.0 * done as f64 / total as f64;
            write!(err, "\r{phase}: {done}/{total} ({pct:.0}%)\x1b[K")
        } else {
            write!(err, "\r{phase}\x1b[K")
        };
        let _ = err.flush();
        self.last_draw = Some(Instant::now());
        true
    }
}
