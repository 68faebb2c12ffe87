//! The SVS search buffer: candidates sorted by distance, a window of the best that the greedy
//! search expands, and extra capacity kept for re-ranking.

use crate::neighbor::Neighbor;

#[derive(Debug, Clone, Copy)]
struct Slot {
    neighbor: Neighbor,
    expanded: bool,
}

/// Sorted candidate buffer (best first, ties by lower id).
///
/// The search is done when the best `window` entries have all been expanded; up to `capacity`
/// entries are kept so that two-level codecs can re-rank more than the window.
#[derive(Debug, Clone, Default)]
pub struct SearchBuffer {
    slots: Vec<Slot>,
    window: usize,
    capacity: usize,
    /// Every slot before this index is expanded.
    cursor: usize,
}

impl SearchBuffer {
    /// Empties the buffer and sets its sizes (`capacity` is raised to `window` when smaller).
    pub fn reset(&mut self, window: usize, capacity: usize) {
        self.slots.clear();
        self.window = window.max(1);
        self.capacity = capacity.max(self.window);
        self.cursor = 0;
        if self.slots.capacity() < self.capacity + 1 {
            self.slots.reserve(self.capacity + 1 - self.slots.len());
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn window(&self) -> usize {
        self.window
    }

    /// Whether `candidate` would be kept (the buffer is not full or it beats the worst entry).
    #[inline]
    pub fn accepts(&self, distance: f32) -> bool {
        self.slots.len() < self.capacity
            || self
                .slots
                .last()
                .is_none_or(|w| distance < w.neighbor.distance)
    }

    fn position(&self, n: &Neighbor) -> Result<usize, usize> {
        // Integer keys order exactly like `cmp_by_distance` and are cheaper to compare.
        let key = n.order_key();
        let pos = self.slots.partition_point(|s| s.neighbor.order_key() < key);
        match self.slots.get(pos) {
            Some(s) if s.neighbor.order_key() == key => Ok(pos),
            _ => Err(pos),
        }
    }

    /// Whether `(id, distance)` is already held (used when no visited set is kept: the same id
    /// always scores the same distance, so a binary search finds it).
    pub fn contains(&self, n: &Neighbor) -> bool {
        self.position(n).is_ok()
    }

    /// Inserts a candidate in order; drops the worst entry when over capacity. Returns whether it
    /// was kept. Duplicates (same id and distance) are ignored.
    #[inline]
    pub fn insert(&mut self, n: Neighbor) -> bool {
        if !self.accepts(n.distance) {
            return false;
        }
        let pos = match self.position(&n) {
            Ok(_) => return false,
            Err(pos) => pos,
        };
        self.slots.insert(
            pos,
            Slot {
                neighbor: n,
                expanded: false,
            },
        );
        if self.slots.len() > self.capacity {
            self.slots.pop();
        }
        if pos < self.cursor {
            self.cursor = pos;
        }
        true
    }

    /// The best unexpanded candidate within the window, marked expanded; `None` when the window
    /// is fully expanded (the search is done).
    #[inline]
    pub fn next_unexpanded(&mut self) -> Option<Neighbor> {
        let limit = self.window.min(self.slots.len());
        while self.cursor < limit {
            let slot = &mut self.slots[self.cursor];
            self.cursor += 1;
            if !slot.expanded {
                slot.expanded = true;
                return Some(slot.neighbor);
            }
        }
        None
    }

    /// The held candidates, best first.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Neighbor> + '_ {
        self.slots.iter().map(|s| s.neighbor)
    }

    /// The distance of the worst held candidate once the buffer is full (a candidate must beat
    /// it to be kept); `None` while there is room.
    #[inline]
    pub fn full_worst(&self) -> Option<f32> {
        if self.slots.len() < self.capacity {
            return None;
        }
        self.slots.last().map(|s| s.neighbor.distance)
    }

    /// The distance of the worst held candidate.
    pub fn worst_distance(&self) -> Option<f32> {
        self.slots.last().map(|s| s.neighbor.distance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_sorted_capacity_and_expands_window() {
        let mut b = SearchBuffer::default();
        b.reset(2, 3);
        for (id, d) in [(1, 5.0), (2, 1.0), (3, 3.0), (4, 4.0), (5, 0.5)] {
            b.insert(Neighbor::new(id, d));
        }
        let ids: Vec<u32> = b.iter().map(|n| n.id).collect();
        assert_eq!(ids, vec![5, 2, 3]);
        assert!(b.contains(&Neighbor::new(2, 1.0)));
        assert!(!b.contains(&Neighbor::new(2, 1.5)));
        assert!(!b.insert(Neighbor::new(2, 1.0)));
        assert_eq!(b.next_unexpanded().map(|n| n.id), Some(5));
        assert_eq!(b.next_unexpanded().map(|n| n.id), Some(2));
        assert_eq!(b.next_unexpanded(), None);
        // A better candidate re-opens the window.
        b.insert(Neighbor::new(9, 0.1));
        assert_eq!(b.next_unexpanded().map(|n| n.id), Some(9));
        assert_eq!(b.next_unexpanded(), None);
    }
}
