//! The HNSW adjacency layout.
//!
//! Level 0 is one flat `Vec<u32>` with a fixed stride of `1 + M0` per node (slot 0 = link
//! count), preallocated for every row like hnswlib's level-0 block, so a node's links sit in
//! one cache-friendly run. Upper levels are rare (a node has 1/(M−1) of them on average), so
//! they live in a second array: a node of level L owns L consecutive lists of stride `1 + M`,
//! found through `upper_start`.

/// `upper_start` value of a node without upper levels.
const NO_UPPER: u32 = u32::MAX;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Graph {
    m: usize,
    m0: usize,
    level0: Vec<u32>,
    upper: Vec<u32>,
    /// Index of the node's level-1 list in `upper`, in units of `1 + m`.
    upper_start: Vec<u32>,
    levels: Vec<u8>,
    /// Nodes inserted so far (ids `0..len`).
    len: usize,
    entry: Option<u32>,
    max_level: usize,
}

impl Graph {
    /// An empty graph with room for `capacity` nodes.
    pub fn new(capacity: usize, m: usize, m0: usize) -> Self {
        Self {
            m,
            m0,
            level0: vec![0; capacity * (1 + m0)],
            upper: Vec::new(),
            upper_start: vec![NO_UPPER; capacity],
            levels: vec![0; capacity],
            len: 0,
            entry: None,
            max_level: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn entry(&self) -> Option<u32> {
        self.entry
    }

    pub fn max_level(&self) -> usize {
        self.max_level
    }

    pub fn level_of(&self, id: u32) -> usize {
        self.levels.get(id as usize).map_or(0, |&l| l as usize)
    }

    /// Degree bound of `level`.
    #[inline]
    pub fn capacity_at(&self, level: usize) -> usize {
        if level == 0 {
            self.m0
        } else {
            self.m
        }
    }

    /// Registers node `id` (the next row) with its level; its lists start empty.
    pub fn add_node(&mut self, id: u32, level: usize) {
        let idx = id as usize;
        if let Some(slot) = self.levels.get_mut(idx) {
            *slot = level.min(u8::MAX as usize) as u8;
        }
        if level > 0 {
            let stride = 1 + self.m;
            if let Some(slot) = self.upper_start.get_mut(idx) {
                *slot = (self.upper.len() / stride) as u32;
            }
            self.upper.resize(self.upper.len() + level * stride, 0);
        }
        self.len = self.len.max(idx + 1);
    }

    pub fn set_entry(&mut self, id: u32, level: usize) {
        self.entry = Some(id);
        self.max_level = level;
    }

    /// The whole list (count slot + link slots) of `id` at `level`, or `None` when the node
    /// does not reach that level.
    #[inline]
    fn list_range(&self, id: u32, level: usize) -> Option<(bool, usize, usize)> {
        if level == 0 {
            let stride = 1 + self.m0;
            let start = id as usize * stride;
            return Some((false, start, stride));
        }
        let idx = id as usize;
        let node_level = *self.levels.get(idx)? as usize;
        if level > node_level {
            return None;
        }
        let block = *self.upper_start.get(idx)?;
        if block == NO_UPPER {
            return None;
        }
        let stride = 1 + self.m;
        let start = (block as usize + level - 1) * stride;
        Some((true, start, stride))
    }

    /// Links of `id` at `level` (empty when the node does not reach it).
    #[inline]
    pub fn neighbors(&self, id: u32, level: usize) -> &[u32] {
        let Some((is_upper, start, stride)) = self.list_range(id, level) else {
            return &[];
        };
        let store = if is_upper { &self.upper } else { &self.level0 };
        match store.get(start..start + stride) {
            Some(list) => match list.split_first() {
                Some((&count, links)) => links.get(..count as usize).unwrap_or(links),
                None => &[],
            },
            None => &[],
        }
    }

    /// Replaces the links of `id` at `level` (truncated to the level's bound).
    pub fn set_neighbors(
        &mut self,
        id: u32,
        level: usize,
        links: impl ExactSizeIterator<Item = u32>,
    ) {
        let Some((is_upper, start, stride)) = self.list_range(id, level) else {
            return;
        };
        let store = if is_upper {
            &mut self.upper
        } else {
            &mut self.level0
        };
        if let Some(list) = store.get_mut(start..start + stride) {
            if let Some((count, slots)) = list.split_first_mut() {
                let mut written = 0u32;
                for (slot, link) in slots.iter_mut().zip(links) {
                    *slot = link;
                    written += 1;
                }
                *count = written;
            }
        }
    }

    /// Appends `link` to `id`'s list at `level`; `false` when the list is full.
    pub fn try_push(&mut self, id: u32, level: usize, link: u32) -> bool {
        let Some((is_upper, start, stride)) = self.list_range(id, level) else {
            return false;
        };
        let store = if is_upper {
            &mut self.upper
        } else {
            &mut self.level0
        };
        let Some(list) = store.get_mut(start..start + stride) else {
            return false;
        };
        let Some((count, slots)) = list.split_first_mut() else {
            return false;
        };
        match slots.get_mut(*count as usize) {
            Some(slot) => {
                *slot = link;
                *count += 1;
                true
            }
            None => false,
        }
    }

    /// Drops unused capacity once the build is complete.
    pub fn shrink(&mut self) {
        self.upper.shrink_to_fit();
    }

    /// Bytes of the link arrays and per-node level bookkeeping.
    pub fn bytes(&self) -> u64 {
        let u32s = self.level0.len() + self.upper.len() + self.upper_start.len();
        (u32s * std::mem::size_of::<u32>() + self.levels.len()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_bounded_and_per_level() {
        let mut g = Graph::new(4, 2, 4);
        g.add_node(0, 0);
        g.add_node(1, 2);
        assert!(g.neighbors(0, 1).is_empty(), "node 0 has no level 1");
        for link in [1, 2, 3, 1] {
            assert!(g.try_push(0, 0, link));
        }
        assert!(!g.try_push(0, 0, 2), "M0 = 4 reached");
        assert_eq!(g.neighbors(0, 0), &[1, 2, 3, 1]);
        g.set_neighbors(1, 2, [0, 3, 2].into_iter());
        assert_eq!(g.neighbors(1, 2), &[0, 3], "truncated to M = 2");
        assert!(g.neighbors(1, 1).is_empty());
        assert!(!g.try_push(0, 3, 1));
    }
}
