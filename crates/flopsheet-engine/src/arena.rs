//! Per-cell slices (a program's ops, a formula's precedents) in one contiguous buffer.
//!
//! Keeping every cell's slice in one `Vec` instead of a `Vec` per cell saves an allocation
//! and 24 bytes a cell and keeps evaluation cache-friendly. Redefining a cell appends its new
//! slice; the old one becomes garbage, compacted away once it outweighs the live data.

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
