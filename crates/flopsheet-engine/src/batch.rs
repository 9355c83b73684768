//! Compiling many formulas at once: on every core for a large batch, each thread filling a
//! [`Batch`] of its own (programs back to back, and its own constant pool), the batches coming
//! back in order for the model to copy in (`Model::compile_chunk`).

use crate::compile::{self, Op, Scope};
use crate::pool::ConstPool;
use crate::{BuildError, CellId, Expr};
use std::ops::Range;

/// Below this many formulas, [`compile_all`] compiles on the calling thread.
const PARALLEL_COMPILE_MIN: usize = 4096;

/// Programs compiled by one thread, back to back in `ops` and `deps`, and what became of
/// each formula. The ops index `consts`, the batch's own pool, until the model absorbs it.
#[derive(Default)]
pub(crate) struct Batch {
    pub ops: Vec<Op>,
    pub consts: ConstPool,
    pub deps: Vec<CellId>,
    pub results: Vec<Compiled>,
}

pub(crate) struct Compiled {
    pub fingerprint: u64,
    /// Where the program's ops and precedents are in the batch, or why it failed.
    pub result: Result<(Range<usize>, Range<usize>), BuildError>,
    /// Whether the formula calls any function (its inlined pack functions are then recorded).
    pub calls: bool,
}

/// Compiles formulas, on every core for a large batch: each program depends only on the names
/// and the functions, which do not change while compiling. Batches come back in order.
pub(crate) fn compile_all(exprs: &[&Expr], scope: &Scope<'_>) -> Vec<Batch> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    compile_all_on(exprs, scope, threads)
}

/// [`compile_all`] on at most `threads` threads (the calling one included).
fn compile_all_on(exprs: &[&Expr], scope: &Scope<'_>, threads: usize) -> Vec<Batch> {
    let compile_batch = |exprs: &[&Expr]| {
        let mut batch = Batch::default();
        let mut program = compile::Program::default();
        batch.results.reserve(exprs.len());
        for expr in exprs {
            let result = compile::compile(expr, scope, &mut program, &mut batch.consts).map(|()| {
                let (ops, deps) = (batch.ops.len(), batch.deps.len());
                batch.ops.extend_from_slice(&program.ops);
                batch.deps.extend_from_slice(&program.deps);
                (ops..batch.ops.len(), deps..batch.deps.len())
            });
            let mut calls = false;
            expr.for_each_call(&mut |_| calls = true);
            batch.results.push(Compiled {
                fingerprint: expr.fingerprint(),
                result,
                calls,
            });
        }
        batch
    };
    if threads <= 1 || exprs.len() < PARALLEL_COMPILE_MIN {
        return vec![compile_batch(exprs)];
    }
    let chunk = exprs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let mut chunks = exprs.chunks(chunk);
        let first = chunks.next().unwrap_or_default();
        let others: Vec<_> = chunks.map(|c| s.spawn(move || compile_batch(c))).collect();
        let mut batches = vec![compile_batch(first)];
        for handle in others {
            batches.push(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        batches
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formula::parse;
    use crate::hash::FxHashMap;
    use crate::names::Names;
    use crate::FunctionDef;

    /// Each formula's program (its constants by value), precedents, fingerprint and error,
    /// whatever the batches.
    type Flat = Vec<(Vec<(Op, Option<u64>)>, Vec<CellId>, u64, Option<BuildError>, bool)>;

    fn flatten(batches: Vec<Batch>) -> Flat {
        let mut out = Vec::new();
        for batch in batches {
            // Indices differ from batch to batch: compare the constants' bits instead.
            let consts = batch.consts.values();
            let resolve = |op: &Op| match *op {
                Op::Const(k) => (Op::Const(0), Some(consts[k as usize].to_bits())),
                Op::BinConst(b, k) => (Op::BinConst(b, 0), Some(consts[k as usize].to_bits())),
                op => (op, None),
            };
            for Compiled {
                fingerprint,
                result,
                calls,
            } in batch.results
            {
                out.push(match result {
                    Ok((ops, deps)) => (
                        batch.ops[ops].iter().map(resolve).collect(),
                        batch.deps[deps].to_vec(),
                        fingerprint,
                        None,
                        calls,
                    ),
                    Err(e) => (vec![], vec![], fingerprint, Some(e), calls),
                });
            }
        }
        out
    }

    #[test]
    fn compiling_in_parallel_gives_what_compiling_in_one_thread_gives() {
        let mut names = Names::default();
        for i in 0..100 {
            names.get_or_add(&format!("n{i}"));
        }
        let functions: FxHashMap<String, FunctionDef> = [(
            "f".to_string(),
            FunctionDef {
                name: "f".into(),
                params: vec!["x".into()],
                body: parse("x * 2 + n1").unwrap(),
            },
        )]
        .into_iter()
        .collect();
        let columns = crate::aggregate::Columns::default();
        let scope = Scope {
            names: &names,
            functions: &functions,
            columns: &columns,
        };
        let exprs: Vec<Expr> = (0..9000)
            .map(|i| {
                let text = match i % 6 {
                    0 => format!("n{} * 1.5 + n{}", i % 100, (i * 7) % 100),
                    1 => format!("f(n{}) / 2", i % 100),
                    2 => format!("missing{i} + 1"),
                    3 => format!("if(n{} > {i}, n2, n3 > 1)", i % 100),
                    4 => format!("max(n{}, {i}, n5) - {i}", i % 100),
                    _ => format!("nope(n{})", i % 100),
                };
                parse(&text).unwrap()
            })
            .collect();
        let refs: Vec<&Expr> = exprs.iter().collect();
        let serial = flatten(compile_all_on(&refs, &scope, 1));
        assert_eq!(serial.len(), exprs.len());
        assert!(serial.iter().any(|r| r.3.is_some()) && serial.iter().any(|r| r.3.is_none()));
        // The model's pool, absorbing the batches in order.
        let pooled = |batches: Vec<Batch>| {
            let mut pool = ConstPool::default();
            for mut batch in batches {
                pool.absorb(&batch.consts, &mut batch.ops);
            }
            pool.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        };
        let serial_pool = pooled(compile_all_on(&refs, &scope, 1));
        for threads in [2, 3, 8] {
            assert!(
                flatten(compile_all_on(&refs, &scope, threads)) == serial,
                "{threads} threads"
            );
            assert_eq!(pooled(compile_all_on(&refs, &scope, threads)), serial_pool);
        }
    }
}
