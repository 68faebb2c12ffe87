//! Search results and the bounded top-k collector shared by every index.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

/// One search hit: a row id and its Redis distance (smaller is closer).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Neighbor {
    pub id: u32,
    pub distance: f32,
}

impl Neighbor {
    pub fn new(id: u32, distance: f32) -> Self {
        Self { id, distance }
    }

    /// Total order used everywhere results are sorted: by distance (NaN last), ties broken by
    /// the lower id. This is the documented tie order of exact search.
    #[inline]
    pub fn cmp_by_distance(&self, other: &Self) -> Ordering {
        self.distance
            .total_cmp(&other.distance)
            .then_with(|| self.id.cmp(&other.id))
    }

    /// An integer key with the same order as [`Neighbor::cmp_by_distance`]: the distance's
    /// IEEE-754 total-order bits in the high half, the id in the low half. Sorting by one `u64`
    /// is much cheaper than a float comparison with a tie-break closure.
    #[inline]
    pub fn order_key(&self) -> u64 {
        let bits = self.distance.to_bits() as i32;
        // `f32::total_cmp`'s transform: flip the magnitude bits of negative values...
        let total = bits ^ ((((bits >> 31) as u32) >> 1) as i32);
        // ...then move i32 order onto u32 order.
        let key = (total as u32) ^ 0x8000_0000;
        (u64::from(key) << 32) | u64::from(self.id)
    }
}

/// Heap entry ordered by [`Neighbor::cmp_by_distance`] (max-heap: the worst kept hit on top).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Worst(Neighbor);

impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp_by_distance(&other.0)
    }
}

/// Keeps the `k` best neighbours seen so far.
#[derive(Debug, Clone)]
pub struct TopK {
    k: usize,
    heap: BinaryHeap<Worst>,
}

impl TopK {
    pub fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// The distance a candidate must beat to enter (infinite until `k` are held).
    #[inline]
    pub fn threshold(&self) -> f32 {
        if self.heap.len() < self.k {
            f32::INFINITY
        } else {
            self.heap.peek().map_or(f32::INFINITY, |w| w.0.distance)
        }
    }

    #[inline]
    pub fn push(&mut self, n: Neighbor) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(Worst(n));
        } else if let Some(top) = self.heap.peek() {
            if n.cmp_by_distance(&top.0) == Ordering::Less {
                self.heap.pop();
                self.heap.push(Worst(n));
            }
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The kept neighbours, best first.
    pub fn into_sorted_vec(self) -> Vec<Neighbor> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|w| w.0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_best_k_with_id_tie_break() {
        let mut top = TopK::new(3);
        for (id, d) in [(5, 1.0), (1, 0.5), (2, 1.0), (0, 1.0), (9, 3.0)] {
            top.push(Neighbor::new(id, d));
        }
        let ids: Vec<u32> = top.into_sorted_vec().iter().map(|n| n.id).collect();
        assert_eq!(ids, vec![1, 0, 2]);
    }

    #[test]
    fn order_key_matches_cmp_by_distance() {
        let distances = [
            f32::NEG_INFINITY,
            -3.5,
            -1e-30,
            -0.0,
            0.0,
            1e-30,
            0.25,
            1.0,
            7.0e20,
            f32::INFINITY,
            f32::NAN,
        ];
        let mut all = Vec::new();
        for (i, &d) in distances.iter().enumerate() {
            for id in [0u32, 3, u32::MAX] {
                all.push(Neighbor::new(id ^ i as u32, d));
            }
        }
        for a in &all {
            for b in &all {
                assert_eq!(
                    a.order_key().cmp(&b.order_key()),
                    a.cmp_by_distance(b),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }
}
