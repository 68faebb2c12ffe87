//! A reusable visited set with generation tags (like hnswlib's `VisitedList`): clearing is a
//! counter increment, and the tag array is wiped only when the 16-bit epoch wraps.

/// Marks node ids seen during one search.
#[derive(Debug, Clone, Default)]
pub struct VisitedSet {
    tags: Vec<u16>,
    epoch: u16,
}

impl VisitedSet {
    /// Starts a new search over `n` nodes; every id reads as unvisited afterwards.
    pub fn reset(&mut self, n: usize) {
        if self.tags.len() < n {
            self.tags.resize(n, 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.tags.fill(0);
            self.epoch = 1;
        }
    }

    /// Marks `id`; returns `true` when it was not yet visited. Out-of-range ids read as
    /// visited, so a corrupt link can never be followed.
    #[inline]
    pub fn insert(&mut self, id: u32) -> bool {
        match self.tags.get_mut(id as usize) {
            Some(tag) if *tag != self.epoch => {
                *tag = self.epoch;
                true
            }
            _ => false,
        }
    }

    /// Bytes held by the tag array.
    pub fn bytes(&self) -> u64 {
        (self.tags.len() * std::mem::size_of::<u16>()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_clear_and_wrap() {
        let mut v = VisitedSet::default();
        v.reset(4);
        assert!(v.insert(1));
        assert!(!v.insert(1));
        assert!(!v.insert(9), "out of range reads as visited");
        for _ in 0..70_000 {
            v.reset(4);
        }
        assert!(v.insert(1));
        assert!(v.insert(2));
        assert!(!v.insert(2));
    }
}
