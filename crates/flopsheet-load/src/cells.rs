//! Every cell of a loaded workbook (its own, its tables' and its packs'), in the order defined,
//! found by name: what each is for display and diagnostics.
//!
//! A generated workbook can have a hundred thousand cells, and all of them are kept for as
//! long as it is loaded, so this holds one [`CellInfo`] a cell in a vector, the names back to
//! back in one string (4 bytes a cell for where each ends, instead of a pointer and an
//! allocation of its own), and a table of bare positions hashed by name (4 bytes a cell). A
//! map keyed by name would hold each name in an allocation of its own, and the key's hash,
//! for some 50 bytes a cell more.

use crate::resolve::CellInfo;
use flopsheet_engine::NameList;
use hashbrown::HashTable;
use std::hash::{BuildHasher, RandomState};

#[derive(Debug, Clone, Default)]
pub struct Cells {
    infos: Vec<CellInfo>,
    /// Every cell's name, in the order defined.
    names: NameList,
    /// Positions in `infos`, hashed by the name of the cell at each.
    index: HashTable<u32>,
    hasher: RandomState,
}

impl Cells {
    /// Room for `capacity` cells whose names take `name_bytes` bytes together.
    pub fn with_capacity(capacity: usize, name_bytes: usize) -> Cells {
        Cells {
            infos: Vec::with_capacity(capacity),
            names: NameList::with_capacity(capacity, name_bytes),
            index: HashTable::with_capacity(capacity),
            hasher: RandomState::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.infos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.infos.is_empty()
    }

    /// The name of the cell at `at` in the order defined.
    pub fn name(&self, at: usize) -> &str {
        self.names.get(at)
    }

    /// Where the cell named `name` is in the order defined.
    pub fn position(&self, name: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(name);
        let found = self.index.find(hash, |&at| self.name(at as usize) == name)?;
        Some(*found as usize)
    }

    pub fn get(&self, name: &str) -> Option<&CellInfo> {
        self.position(name).map(|at| &self.infos[at])
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut CellInfo> {
        self.position(name).map(|at| &mut self.infos[at])
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Adds a cell after the others, unless a cell of that name is already there: then that
    /// one is kept, and this returns `false`.
    pub fn insert(&mut self, name: &str, info: CellInfo) -> bool {
        let hash = self.hasher.hash_one(name);
        let names = &self.names;
        let entry = self.index.entry(
            hash,
            |&at| names.get(at as usize) == name,
            |&at| self.hasher.hash_one(names.get(at as usize)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                // A load is refused beyond `MAX_CELLS` (two million) cells.
                let at = u32::try_from(self.infos.len()).expect("at most u32::MAX cells");
                vacant.insert(at);
                self.infos.push(info);
                self.names.push(name);
                true
            }
        }
    }

    /// The names, in the order defined.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.names.iter()
    }
}

impl std::ops::Index<usize> for Cells {
    type Output = CellInfo;

    fn index(&self, at: usize) -> &CellInfo {
        &self.infos[at]
    }
}

impl std::ops::Index<&str> for Cells {
    type Output = CellInfo;

    /// The cell named `name`; panics if there is none, as a map does.
    fn index(&self, name: &str) -> &CellInfo {
        match self.get(name) {
            Some(info) => info,
            None => panic!("no cell is named `{name}`"),
        }
    }
}
