//! Per-cell slices (a program's ops, a formula's precedents, a cell's dependents) in one
//! contiguous buffer.
//!
//! Keeping every cell's slice in one `Vec` instead of a `Vec` per cell saves an allocation
//! and 24 bytes a cell and keeps evaluation cache-friendly. An [`Arena`] is edited cell by
//! cell: redefining a cell appends its new slice; the old one becomes garbage, compacted away
//! once it outweighs the live data. A [`Packed`] is rebuilt whole and costs 4 bytes a cell
//! less (slices in cell order: a cell's slice ends where the next one starts).

pub(crate) struct Arena<T> {
    items: Vec<T>,
    ranges: Vec<(u32, u32)>,
    garbage: usize,
}

impl<T: Copy> Arena<T> {
    pub fn new() -> Self {
        Arena {
            items: Vec::new(),
            ranges: Vec::new(),
            garbage: 0,
        }
    }

    pub fn get(&self, id: u32) -> &[T] {
        let Some(&(start, len)) = self.ranges.get(id as usize) else {
            return &[];
        };
        &self.items[start as usize..(start + len) as usize]
    }

    /// Room for `more` items.
    pub fn reserve(&mut self, more: usize) {
        self.items.reserve(more);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Items held, garbage included.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn shrink_to_fit(&mut self) {
        self.items.shrink_to_fit();
        self.ranges.shrink_to_fit();
    }

    /// Room for the slices of ids up to `ids` (exactly, if the arena has none yet).
    pub fn reserve_ids(&mut self, ids: usize) {
        self.ranges.reserve(ids.saturating_sub(self.ranges.len()));
    }

    /// Replaces the slice of `id` (growing the arena to hold `id` if needed).
    pub fn set(&mut self, id: u32, slice: &[T]) {
        if self.ranges.len() <= id as usize {
            self.ranges.resize(id as usize + 1, (0, 0));
        }
        self.garbage += self.ranges[id as usize].1 as usize;
        let start = self.items.len() as u32;
        self.items.extend_from_slice(slice);
        self.ranges[id as usize] = (start, slice.len() as u32);
        if self.garbage > 1024 && self.garbage > self.items.len() / 2 {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let mut items = Vec::with_capacity(self.items.len() - self.garbage);
        for range in &mut self.ranges {
            let (start, len) = *range;
            range.0 = items.len() as u32;
            items.extend_from_slice(&self.items[start as usize..(start + len) as usize]);
        }
        self.items = items;
        self.garbage = 0;
    }
}
/// Per-cell slices of cell ids, stored back to back in cell order (compressed sparse rows).
#[derive(Default)]
pub(crate) struct Packed {
    /// Where the slice of each cell ends in `items` (and so where the next one starts).
    ends: Vec<u32>,
    items: Vec<u32>,
}

impl Packed {
    /// The slice of `id`; empty for a cell added since the last rebuild.
    pub fn get(&self, id: u32) -> &[u32] {
        let Some(&end) = self.ends.get(id as usize) else {
            return &[];
        };
        let start = match id {
            0 => 0,
            _ => self.ends[id as usize - 1],
        };
        &self.items[start as usize..end as usize]
    }

    /// Rebuilds as the inverse of `edges` over cells `0..n`: the slice of `p` lists, in
    /// increasing order, every cell `c` whose `edges(c)` holds `p`. Reuses both buffers.
    pub fn invert<'a>(&mut self, n: usize, edges: impl Fn(u32) -> &'a [u32]) {
        // Count each cell's slice into `ends`, then turn the counts into starts.
        self.ends.clear();
        self.ends.reserve_exact(n);
        self.ends.resize(n, 0);
        for c in 0..n as u32 {
            for &p in edges(c) {
                self.ends[p as usize] += 1;
            }
        }
        let mut total = 0u32;
        for slot in &mut self.ends {
            (*slot, total) = (total, total + *slot);
        }
        // Fill: each start moves up to its slice's end.
        self.items.clear();
        self.items.reserve_exact(total as usize);
        self.items.resize(total as usize, 0);
        for c in 0..n as u32 {
            for &p in edges(c) {
                let at = &mut self.ends[p as usize];
                self.items[*at as usize] = c;
                *at += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_inverts_edges() {
        let edges: [&[u32]; 5] = [&[], &[0], &[0, 1], &[4], &[]];
        let mut packed = Packed::default();
        packed.invert(5, |c| edges[c as usize]);
        let slices: Vec<&[u32]> = (0..6).map(|c| packed.get(c)).collect();
        assert_eq!(slices, [&[1, 2][..], &[2], &[], &[], &[3], &[]]);
        // Rebuilt smaller, from the same buffers.
        packed.invert(2, |c| edges[c as usize]);
        assert_eq!(
            (packed.get(0), packed.get(1), packed.get(2)),
            (&[1][..], &[][..], &[][..])
        );
    }
}
