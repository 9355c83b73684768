//! Cell names ↔ ids: every cell's name by id, and the live cells found by name; and
//! [`NameList`], names kept back to back, which the loader uses too.
//!
//! A large workbook has a hundred thousand names of a few bytes each, so they are kept back to
//! back in one string, each id's name ending where the next one starts (4 bytes an id for
//! where it ends, instead of a 16-byte pointer to an allocation of its own). The table holds
//! bare ids (4 bytes an entry), hashed by the name each points to; a lookup compares the
//! names of the ids whose hash matches, so a collision never confuses two names.

use crate::hash::FxBuild;
use crate::CellId;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Names by index, back to back in one string: 4 bytes a name besides its text, where a
/// `Vec<String>` takes 24 and an allocation of its own. For the hundred thousand names of a
/// large workbook, in the engine and in the loader.
#[derive(Debug, Clone, Default)]
pub struct NameList {
    text: String,
    /// Where each name ends in `text` (and so where the next one starts).
    ends: Vec<u32>,
}

impl NameList {
    /// Room for `more` names of `bytes` bytes together.
    pub fn with_capacity(more: usize, bytes: usize) -> NameList {
        let mut list = NameList::default();
        list.reserve(more, bytes);
        list
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The name at `at`; panics if there is none, as a slice does.
    pub fn get(&self, at: usize) -> &str {
        let start = if at == 0 { 0 } else { self.ends[at - 1] as usize };
        &self.text[start..self.ends[at] as usize]
    }

    /// Adds `name` after the others.
    pub fn push(&mut self, name: &str) {
        self.text.push_str(name);
        // Names come from files of at most 64 MiB, and a load has at most two million cells:
        // four GiB of names is a workbook that could not be loaded anyway.
        let end = u32::try_from(self.text.len()).expect("names take less than 4 GiB");
        self.ends.push(end);
    }

    /// Room for `more` names of `bytes` bytes together, exactly.
    pub fn reserve(&mut self, more: usize, bytes: usize) {
        self.ends.reserve_exact(more);
        self.text.reserve_exact(bytes);
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|at| self.get(at))
    }
}

#[derive(Default)]
pub(crate) struct Names {
    /// Every cell's name by id; a removed cell keeps its name (and its id is never reused).
    list: NameList,
    /// The ids of the live cells.
    table: HashTable<CellId>,
}

fn hash(name: &str) -> u64 {
    FxBuild::default().hash_one(name)
}

impl Names {
    /// The live cell named `name`.
    pub fn get(&self, name: &str) -> Option<CellId> {
        self.table.find(hash(name), |&id| self.name(id) == name).copied()
    }

    /// The name of `id`, live or removed.
    pub fn name(&self, id: CellId) -> &str {
        self.list.get(id as usize)
    }

    /// Ids given so far, removed cells included.
    pub fn ids(&self) -> usize {
        self.list.len()
    }

    /// Live cells.
    pub fn live(&self) -> usize {
        self.table.len()
    }

    /// The names of the live cells, in no particular order.
    pub fn live_names(&self) -> impl Iterator<Item = &str> {
        self.table.iter().map(|&id| self.name(id))
    }

    /// The live cell named `name`, or a new id for it (`true`: the id is new).
    pub fn get_or_add(&mut self, name: &str) -> (CellId, bool) {
        let list = &self.list;
        let entry = self.table.entry(
            hash(name),
            |&id| list.get(id as usize) == name,
            |&id| hash(list.get(id as usize)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => (*e.get(), false),
            hashbrown::hash_table::Entry::Vacant(e) => {
                let id = list.len() as CellId;
                e.insert(id);
                self.list.push(name);
                (id, true)
            }
        }
    }

    /// Takes `id` out of the table; it keeps its name.
    pub fn remove(&mut self, id: CellId) {
        let name = self.name(id);
        if let Ok(entry) = self.table.find_entry(hash(name), |&other| other == id) {
            entry.remove();
        }
    }

    /// Room for `more` new cells, whose names take about `bytes` bytes.
    pub fn reserve(&mut self, more: usize, bytes: usize) {
        self.list.reserve(more, bytes);
        let list = &self.list;
        self.table.reserve(more, |&id| hash(list.get(id as usize)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_added_and_removed() {
        let mut names = Names::default();
        assert_eq!(names.get_or_add("a"), (0, true));
        assert_eq!(names.get_or_add("b"), (1, true));
        assert_eq!(names.get_or_add("a"), (0, false));
        assert_eq!(names.get("b"), Some(1));
        assert_eq!(names.get("c"), None);
        names.remove(0);
        assert_eq!(names.get("a"), None);
        assert_eq!(names.name(0), "a");
        assert_eq!((names.ids(), names.live()), (2, 1));
        // A name that comes back is a new cell.
        assert_eq!(names.get_or_add("a"), (2, true));
        assert_eq!((names.name(0), names.name(1), names.name(2)), ("a", "b", "a"));
        let mut live: Vec<&str> = names.live_names().collect();
        live.sort();
        assert_eq!(live, ["a", "b"]);
    }

    #[test]
    fn a_name_list_keeps_names_back_to_back() {
        let mut list = NameList::with_capacity(3, 8);
        assert!(list.is_empty());
        for name in ["a", "", "π.rate", "a"] {
            list.push(name);
        }
        assert_eq!(
            (list.len(), list.get(0), list.get(1), list.get(2)),
            (4, "a", "", "π.rate")
        );
        assert_eq!(list.iter().collect::<Vec<_>>(), ["a", "", "π.rate", "a"]);
    }

    #[test]
    fn many_names_survive_the_table_growing() {
        let mut names = Names::default();
        for i in 0..10_000 {
            assert_eq!(names.get_or_add(&format!("c{i}")), (i, true));
        }
        for i in (0..10_000).step_by(2) {
            names.remove(i);
        }
        for i in 0..10_000u32 {
            let want = (i % 2 == 1).then_some(i);
            assert_eq!(names.get(&format!("c{i}")), want);
        }
    }
}
