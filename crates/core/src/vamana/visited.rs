//! A visited set with epoch tags: O(1) reset between searches, no allocation per query.

/// Marks node ids as seen during one search. `reset` starts a new search by bumping the epoch,
/// so clearing costs nothing until the 32-bit epoch wraps.
#[derive(Debug, Clone, Default)]
pub struct VisitedSet {
    tags: Vec<u32>,
    epoch: u32,
}

impl VisitedSet {
    /// Starts a new search over `nodes` ids.
    pub fn reset(&mut self, nodes: usize) {
        if self.tags.len() != nodes {
            self.tags.clear();
            self.tags.resize(nodes, 0);
            self.epoch = 0;
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.tags.iter_mut().for_each(|t| *t = 0);
            self.epoch = 1;
        }
    }

    /// Marks `id`; returns `true` when it was not seen before in this search. Unknown ids count
    /// as already seen, so they are never scored.
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

    #[inline]
    pub fn contains(&self, id: u32) -> bool {
        self.tags.get(id as usize).is_none_or(|&t| t == self.epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_separate_searches() {
        let mut v = VisitedSet::default();
        v.reset(4);
        assert!(v.insert(2));
        assert!(!v.insert(2));
        assert!(v.contains(2));
        v.reset(4);
        assert!(!v.contains(2));
        assert!(v.insert(2));
        assert!(!v.insert(7));
    }
}
