//! What a build hands to another generator (a helper worker or thread) and takes back: a
//! batch's neighbour lists, its back-edge prunes, and why returned lists are refused.

use std::ops::Range;

/// New neighbour lists for some nodes of a batch: node ids, and for each the end offset of
/// its list in `ids`. What a helper (another worker or thread) sends back for its share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchLists {
    pub nodes: Vec<u32>,
    pub ends: Vec<u32>,
    pub ids: Vec<u32>,
    /// Distances computed to generate these lists.
    pub distance_computations: u64,
}

impl BatchLists {
    pub(super) fn push(&mut self, node: u32, list: &[u32]) {
        self.nodes.push(node);
        self.ids.extend_from_slice(list);
        self.ends.push(self.ids.len() as u32);
    }

    pub(super) fn clear(&mut self) {
        self.nodes.clear();
        self.ends.clear();
        self.ids.clear();
        self.distance_computations = 0;
    }

    /// `(node, list)` pairs; a malformed entry (ends out of order or past `ids`) reads as an
    /// empty list (validated by [`VamanaBuildState::accept_lists`]).
    pub fn iter(&self) -> impl Iterator<Item = (u32, &[u32])> + '_ {
        self.nodes
            .iter()
            .zip(&self.ends)
            .scan(0usize, |start, (&node, &end)| {
                let end = end as usize;
                let list = self.ids.get(*start..end).unwrap_or(&[]);
                *start = end;
                Some((node, list))
            })
    }
}

/// Back-edge prunes of a batch: the targets whose lists overflowed when the batch's back
/// edges were added, each with its candidates (the new sources first, then its current
/// neighbours). Every target's prune reads and writes only its own list, so any subset can be
/// pruned elsewhere (another worker or thread) with the same result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PruneSet {
    /// The pass's alpha (1.0 in the first pass).
    pub alpha: f32,
    pub targets: Vec<u32>,
    /// End offset of each target's candidates in `candidates`.
    pub ends: Vec<u32>,
    pub candidates: Vec<u32>,
}

impl PruneSet {
    pub(super) fn clear(&mut self) {
        self.targets.clear();
        self.ends.clear();
        self.candidates.clear();
    }

    /// The candidates of target number `i` (empty when `i` or its offsets are out of range).
    pub(super) fn candidates_of(&self, i: usize) -> &[u32] {
        let start = match i {
            0 => Some(0),
            _ => self.ends.get(i - 1).map(|&e| e as usize),
        };
        start
            .zip(self.ends.get(i))
            .and_then(|(start, &end)| self.candidates.get(start..end as usize))
            .unwrap_or(&[])
    }

    /// Targets `range` (by index; indexes past the end are skipped) as a set of their own.
    pub fn subset(&self, range: Range<usize>) -> PruneSet {
        let mut out = PruneSet {
            alpha: self.alpha,
            ..PruneSet::default()
        };
        for i in range.take_while(|&i| i < self.targets.len()) {
            out.targets.push(self.targets[i]);
            out.candidates.extend_from_slice(self.candidates_of(i));
            out.ends.push(out.candidates.len() as u32);
        }
        out
    }
}

/// Why lists from another generator were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListsError {
    #[error("no nodes of this batch were handed out")]
    NotDelegated,
    #[error("expected lists for nodes {expected_start}..{expected_end}, got another set")]
    WrongNodes {
        expected_start: u32,
        expected_end: u32,
    },
    #[error("the list of node {node} is malformed (too long, or an id out of range)")]
    BadList { node: u32 },
    #[error("expected the lists of the {expected} back-edge prunes handed out, got another set")]
    WrongPrunes { expected: usize },
}

/// Checks that every list of `lists` is well formed: ends in order, at most `max_len` ids,
/// every id below `n`.
pub(super) fn check_lists(lists: &BatchLists, max_len: usize, n: usize) -> Result<(), ListsError> {
    let mut start = 0usize;
    for (&node, &end) in lists.nodes.iter().zip(&lists.ends) {
        let end = end as usize;
        let ok = end >= start
            && end <= lists.ids.len()
            && end - start <= max_len
            && lists.ids[start..end].iter().all(|&id| (id as usize) < n);
        if !ok {
            return Err(ListsError::BadList { node });
        }
        start = end;
    }
    Ok(())
}
