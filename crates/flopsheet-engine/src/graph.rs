//! The dependency graph's order: a topological order of the live cells, and the cycles that
//! prevent one.
//!
//! The order is cached by the model and recomputed only on a structural change (a formula
//! added, removed or rewritten). Cycles are found with petgraph's strongly connected
//! components and reported as paths, so a user reads `a → b → c → a` in the order the
//! formulas read each other.

use crate::CellId;
use petgraph::graphmap::DiGraphMap;
use std::collections::VecDeque;

/// A topological order, each cell's position in it, and the cycles found.
pub(crate) struct Order {
    pub order: Vec<CellId>,
    pub rank: Vec<u32>,
    pub cycles: Vec<Vec<CellId>>,
    pub in_cycle: Vec<bool>,
}

/// Orders the cells `0..n` for which `live` holds. `deps(c)` are the cells `c` reads;
/// `dependents(c)` the cells that read `c`. Cells on a cycle are ordered as if they read nothing
/// (they hold a `#CYCLE` error); cells downstream of a cycle are ordered normally.
pub(crate) fn order<'a, 'b>(
    n: usize,
    live: impl Fn(CellId) -> bool,
    deps: impl Fn(CellId) -> &'a [CellId],
    dependents: impl Fn(CellId) -> &'b [CellId],
) -> Order {
    let mut in_cycle = vec![false; n];
    let (order, complete) = kahn(n, &live, &deps, &dependents, &in_cycle);
    let mut cycles = Vec::new();
    let order = if complete {
        order
    } else {
        let members;
        (cycles, members) = find_cycles(&live, &deps, &order, n);
        // Every cell of a strongly connected component is on a cycle, also those off the
        // shortest one reported (in `t.y = sum(t.y)` each row reads itself and every other):
        // left out, a cell would wait forever on the cells it reads and never be ordered.
        for c in members {
            in_cycle[c as usize] = true;
        }
        kahn(n, &live, &deps, &dependents, &in_cycle).0
    };
    let mut rank = vec![u32::MAX; n];
    for (i, &c) in order.iter().enumerate() {
        rank[c as usize] = i as u32;
    }
    Order {
        order,
        rank,
        cycles,
        in_cycle,
    }
}

/// Kahn's algorithm; returns the order and whether every live cell made it in.
fn kahn<'a, 'b>(
    n: usize,
    live: &impl Fn(CellId) -> bool,
    deps: &impl Fn(CellId) -> &'a [CellId],
    dependents: &impl Fn(CellId) -> &'b [CellId],
    in_cycle: &[bool],
) -> (Vec<CellId>, bool) {
    let mut indegree = vec![0u32; n];
    let mut queue = VecDeque::new();
    let mut live_count = 0;
    for c in 0..n as CellId {
        if !live(c) {
            continue;
        }
        live_count += 1;
        let d = if in_cycle[c as usize] { 0 } else { deps(c).len() as u32 };
        indegree[c as usize] = d;
        if d == 0 {
            queue.push_back(c);
        }
    }
    let mut order = Vec::with_capacity(live_count);
    while let Some(c) = queue.pop_front() {
        order.push(c);
        for &d in dependents(c) {
            if in_cycle[d as usize] {
                continue;
            }
            let slot = &mut indegree[d as usize];
            *slot -= 1;
            if *slot == 0 {
                queue.push_back(d);
            }
        }
    }
    let complete = order.len() == live_count;
    (order, complete)
}

/// The cycles among the cells Kahn could not order, each as a path in reading order starting
/// from its first-declared cell, and every cell on a cycle (of the components, not only of
/// the paths).
fn find_cycles<'a>(
    live: &impl Fn(CellId) -> bool,
    deps: &impl Fn(CellId) -> &'a [CellId],
    ordered: &[CellId],
    n: usize,
) -> (Vec<Vec<CellId>>, Vec<CellId>) {
    let mut done = vec![false; n];
    for &c in ordered {
        done[c as usize] = true;
    }
    let mut graph = DiGraphMap::<CellId, ()>::new();
    for c in (0..n as CellId).filter(|&c| live(c) && !done[c as usize]) {
        graph.add_node(c);
        for &p in deps(c) {
            if !done[p as usize] {
                graph.add_edge(c, p, ());
            }
        }
    }
    // Kosaraju's algorithm, which petgraph runs without recursion: a cycle through a hundred
    // thousand cells must not overflow the stack (Tarjan's, in petgraph, recurses per cell).
    let components: Vec<Vec<CellId>> = petgraph::algo::kosaraju_scc(&graph)
        .into_iter()
        .filter(|scc| scc.len() > 1 || graph.contains_edge(scc[0], scc[0]))
        .collect();
    let mut cycles: Vec<Vec<CellId>> = components.iter().map(|scc| cycle_path(&graph, scc)).collect();
    cycles.sort();
    (cycles, components.into_iter().flatten().collect())
}

/// The shortest path from the smallest cell of a strongly connected component back to itself.
fn cycle_path(graph: &DiGraphMap<CellId, ()>, scc: &[CellId]) -> Vec<CellId> {
    let start = *scc.iter().min().expect("a component is never empty");
    let members: std::collections::HashSet<CellId> = scc.iter().copied().collect();
    let mut parent = std::collections::HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(c) = queue.pop_front() {
        for next in graph.neighbors(c) {
            if !members.contains(&next) {
                continue;
            }
            if next == start {
                let mut path = vec![c];
                let mut at = c;
                while at != start {
                    at = parent[&at];
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(next) {
                e.insert(c);
                queue.push_back(next);
            }
        }
    }
    scc.to_vec()
}
