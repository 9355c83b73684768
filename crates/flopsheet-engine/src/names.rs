//! Cell names ↔ ids: every cell's name by id, and the live cells found by name.
//!
//! A map from name to id would store each name a second time (an `Arc<str>` key, 16 bytes, and
//! the id: 24 bytes an entry). The names are already held by id, so the table holds bare ids
//! (4 bytes an entry), hashed by the name each points to; a lookup compares the names of the
//! ids whose hash matches, so a collision never confuses two names.

use crate::hash::FxBuild;
use crate::CellId;
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::sync::Arc;

#[derive(Default)]
pub(crate) struct Names {
    /// Every cell's name by id; a removed cell keeps its name (and its id is never reused).
    names: Vec<Arc<str>>,
    /// The ids of the live cells.
    table: HashTable<CellId>,
}

fn hash(name: &str) -> u64 {
    FxBuild::default().hash_one(name)
}

impl Names {
    /// The live cell named `name`.
    pub fn get(&self, name: &str) -> Option<CellId> {
        self.table
            .find(hash(name), |&id| *self.names[id as usize] == *name)
            .copied()
    }

    /// The name of `id`, live or removed.
    pub fn name(&self, id: CellId) -> &str {
        &self.names[id as usize]
    }

    pub fn arc(&self, id: CellId) -> &Arc<str> {
        &self.names[id as usize]
    }

    /// Ids given so far, removed cells included.
    pub fn ids(&self) -> usize {
        self.names.len()
    }

    /// Live cells.
    pub fn live(&self) -> usize {
        self.table.len()
    }

    /// The names of the live cells, in no particular order.
    pub fn live_names(&self) -> impl Iterator<Item = &str> {
        self.table.iter().map(|&id| &*self.names[id as usize])
    }

    /// The live cell named `name`, or a new id for it (`true`: the id is new).
    pub fn get_or_add(&mut self, name: &Arc<str>) -> (CellId, bool) {
        let names = &mut self.names;
        let entry = self.table.entry(
            hash(name),
            |&id| *names[id as usize] == **name,
            |&id| hash(&names[id as usize]),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => (*e.get(), false),
            hashbrown::hash_table::Entry::Vacant(e) => {
                let id = names.len() as CellId;
                e.insert(id);
                names.push(name.clone());
                (id, true)
            }
        }
    }

    /// Takes `id` out of the table; it keeps its name.
    pub fn remove(&mut self, id: CellId) {
        let name = &self.names[id as usize];
        if let Ok(entry) = self.table.find_entry(hash(name), |&other| other == id) {
            entry.remove();
        }
    }

    /// Room for `more` new cells.
    pub fn reserve(&mut self, more: usize) {
        self.names.reserve(more);
        let names = &self.names;
        self.table.reserve(more, |&id| hash(&names[id as usize]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_added_and_removed() {
        let mut names = Names::default();
        let a: Arc<str> = "a".into();
        assert_eq!(names.get_or_add(&a), (0, true));
        assert_eq!(names.get_or_add(&"b".into()), (1, true));
        assert_eq!(names.get_or_add(&a), (0, false));
        assert_eq!(names.get("b"), Some(1));
        assert_eq!(names.get("c"), None);
        names.remove(0);
        assert_eq!(names.get("a"), None);
        assert_eq!(names.name(0), "a");
        assert_eq!((names.ids(), names.live()), (2, 1));
        // A name that comes back is a new cell.
        assert_eq!(names.get_or_add(&a), (2, true));
        let mut live: Vec<&str> = names.live_names().collect();
        live.sort();
        assert_eq!(live, ["a", "b"]);
    }

    #[test]
    fn many_names_survive_the_table_growing() {
        let mut names = Names::default();
        for i in 0..10_000 {
            assert_eq!(names.get_or_add(&format!("c{i}").into()), (i, true));
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
