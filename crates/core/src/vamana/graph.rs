//! Fixed-degree adjacency storage.

/// A directed graph where every node has at most `max_degree` out-neighbours.
///
/// Layout: one record of `max_degree + 1` `u32` per node; slot 0 holds the degree and the rest
/// the neighbour ids. This is the record SVS allocates per node (spec §3.1: one bookkeeping slot
/// plus R ids, allocated at full R), so [`VamanaGraph::bytes`] is both our exact adjacency size
/// and the Redis graph estimate of 4·(R+1) bytes per vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VamanaGraph {
    max_degree: usize,
    entry_point: u32,
    records: Vec<u32>,
}

/// Outcome of [`VamanaGraph::try_add_edge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddEdge {
    Added,
    AlreadyPresent,
    Full,
}

impl VamanaGraph {
    /// A graph of `nodes` nodes without edges.
    pub fn empty(nodes: usize, max_degree: usize, entry_point: u32) -> Self {
        Self {
            max_degree,
            entry_point,
            records: vec![0; nodes * (max_degree + 1)],
        }
    }

    /// The adjacency records as stored (per node: degree, then `max_degree` id slots), to
    /// send a snapshot to a helper worker.
    pub fn records(&self) -> &[u32] {
        &self.records
    }

    /// Rebuilds a graph from [`records`](Self::records); `None` when they do not describe a
    /// graph of `max_degree` (length, degrees, ids or entry point out of range).
    pub fn from_records(max_degree: usize, entry_point: u32, records: Vec<u32>) -> Option<Self> {
        let stride = max_degree.checked_add(1)?;
        if !records.len().is_multiple_of(stride) {
            return None;
        }
        let n = records.len() / stride;
        if n > 0 && entry_point as usize >= n {
            return None;
        }
        let valid = records.chunks_exact(stride).all(|r| {
            let degree = r[0] as usize;
            degree <= max_degree && r[1..=degree].iter().all(|&id| (id as usize) < n)
        });
        valid.then_some(Self {
            max_degree,
            entry_point,
            records,
        })
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.records
            .len()
            .checked_div(self.max_degree + 1)
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// GRAPH_MAX_DEGREE (R).
    pub fn max_degree(&self) -> usize {
        self.max_degree
    }

    /// Where every search starts: the vector nearest to the data mean.
    pub fn entry_point(&self) -> u32 {
        self.entry_point
    }

    fn record(&self, id: u32) -> &[u32] {
        let stride = self.max_degree + 1;
        let start = id as usize * stride;
        self.records.get(start..start + stride).unwrap_or(&[])
    }

    fn record_mut(&mut self, id: u32) -> &mut [u32] {
        let stride = self.max_degree + 1;
        let start = id as usize * stride;
        self.records
            .get_mut(start..start + stride)
            .unwrap_or(&mut [])
    }

    /// Out-neighbours of `id` (empty for an unknown id).
    #[inline]
    pub fn neighbors(&self, id: u32) -> &[u32] {
        match self.record(id).split_first() {
            Some((&degree, ids)) => ids.get(..degree as usize).unwrap_or(ids),
            None => &[],
        }
    }

    /// Hints the CPU to start loading the adjacency record of `id` (the search calls it for
    /// candidates it may expand soon).
    #[inline]
    pub(crate) fn prefetch(&self, id: u32) {
        crate::store::prefetch_slice(self.record(id));
    }

    /// Out-degree of `id`.
    pub fn degree(&self, id: u32) -> usize {
        self.neighbors(id).len()
    }

    /// Replaces the out-neighbours of `id` (truncated to `max_degree`).
    pub(crate) fn set_neighbors(&mut self, id: u32, list: &[u32]) {
        let record = self.record_mut(id);
        if let Some((degree, ids)) = record.split_first_mut() {
            let take = list.len().min(ids.len());
            ids[..take].copy_from_slice(&list[..take]);
            *degree = take as u32;
        }
    }

    /// Appends the edge `from → to` when there is room and it is new. A full list reports
    /// [`AddEdge::Full`] before checking for the edge, as SVS's back-edge pass does.
    pub(crate) fn try_add_edge(&mut self, from: u32, to: u32) -> AddEdge {
        let record = self.record_mut(from);
        let Some((degree, ids)) = record.split_first_mut() else {
            return AddEdge::Full;
        };
        let d = *degree as usize;
        if d >= ids.len() {
            return AddEdge::Full;
        }
        if from == to || ids[..d].contains(&to) {
            return AddEdge::AlreadyPresent;
        }
        ids[d] = to;
        *degree += 1;
        AddEdge::Added
    }

    /// Bytes of the adjacency records: 4·(R+1) per node.
    pub fn bytes(&self) -> u64 {
        (self.records.len() * std::mem::size_of::<u32>()) as u64
    }

    /// Mean out-degree.
    pub fn mean_degree(&self) -> f64 {
        let n = self.len();
        if n == 0 {
            return 0.0;
        }
        let total: usize = (0..n as u32).map(|id| self.degree(id)).sum();
        total as f64 / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_hold_degree_and_ids() {
        let mut g = VamanaGraph::empty(3, 2, 0);
        assert_eq!(g.bytes(), 3 * 3 * 4);
        assert_eq!(g.try_add_edge(0, 1), AddEdge::Added);
        assert_eq!(g.try_add_edge(0, 1), AddEdge::AlreadyPresent);
        assert_eq!(g.try_add_edge(0, 0), AddEdge::AlreadyPresent);
        assert_eq!(g.try_add_edge(0, 2), AddEdge::Added);
        assert_eq!(g.try_add_edge(0, 3), AddEdge::Full);
        // Full wins over "already present".
        assert_eq!(g.try_add_edge(0, 1), AddEdge::Full);
        assert_eq!(g.neighbors(0), &[1, 2]);
        g.set_neighbors(0, &[2, 1, 0]);
        assert_eq!(g.neighbors(0), &[2, 1]);
        assert_eq!(g.neighbors(9), &[] as &[u32]);
        let copy = VamanaGraph::from_records(2, 0, g.records().to_vec()).unwrap();
        assert_eq!(copy, g);
        // Wrong length, a degree above R, an id out of range, an entry out of range.
        assert!(VamanaGraph::from_records(2, 0, vec![0; 8]).is_none());
        assert!(VamanaGraph::from_records(2, 0, vec![3, 0, 0]).is_none());
        assert!(VamanaGraph::from_records(2, 0, vec![1, 7, 0]).is_none());
        assert!(VamanaGraph::from_records(2, 5, vec![0; 3]).is_none());
    }
}
