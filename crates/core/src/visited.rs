//! The visited set every graph search uses (HNSW and Vamana), with generation tags like
//! hnswlib's `VisitedList`: starting a search is a counter increment, and the tag array is wiped
//! only when the 16-bit epoch wraps (once per 65,535 searches).

/// Marks node ids seen during one search over `0..n` (the `n` of the last [`reset`]).
///
/// [`reset`]: VisitedSet::reset
#[derive(Debug, Clone, Default)]
pub struct VisitedSet {
    tags: Vec<u16>,
    epoch: u16,
    /// Ids at or past this read as visited, whatever the tag array's length (it only grows,
    /// so an HNSW build that adds one node per search does not reallocate every time).
    limit: usize,
}

impl VisitedSet {
    /// Starts a new search over `n` nodes; every id below `n` reads as unvisited afterwards.
    pub fn reset(&mut self, n: usize) {
        if self.tags.len() < n {
            self.tags.resize(n, 0);
        }
        self.limit = n;
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
        if id as usize >= self.limit {
            return false;
        }
        match self.tags.get_mut(id as usize) {
            Some(tag) if *tag != self.epoch => {
                *tag = self.epoch;
                true
            }
            _ => false,
        }
    }

    /// Whether `id` was seen in this search (out-of-range ids count as seen).
    #[inline]
    pub fn contains(&self, id: u32) -> bool {
        id as usize >= self.limit || self.tags.get(id as usize).is_none_or(|&t| t == self.epoch)
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
    fn epochs_clear_wrap_and_bound_the_range() {
        let mut v = VisitedSet::default();
        v.reset(4);
        assert!(v.insert(1));
        assert!(!v.insert(1));
        assert!(v.contains(1));
        assert!(!v.insert(9), "out of range reads as visited");
        assert!(v.contains(9));
        for _ in 0..70_000 {
            v.reset(4);
        }
        assert!(!v.contains(1));
        assert!(v.insert(1));
        assert!(v.insert(2));
        assert!(!v.insert(2));
        // A smaller search keeps the array but not the range.
        v.reset(2);
        assert!(!v.insert(3));
        assert!(v.insert(1));
    }
}
