//! A fast, deterministic hasher for the engine's own tables (names → ids, fingerprints).
//!
//! std's SipHash resists hash flooding, which an engine fed by local files does not need, and
//! costs several times more per short key. This is the multiply-rotate hash of rustc (FxHash):
//! a few cycles per 8 bytes, and the same value on every run, so fingerprints are stable.

use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply mixes upwards: the high bits depend on every input bit, the low ones
        // only on the low input bits (for names like `c123`, nearly constant). Hash tables
        // index by the low bits, so bring the high ones down.
        self.hash.rotate_left(26)
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;
pub(crate) type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;
pub(crate) type FxHashSet<K> = std::collections::HashSet<K, FxBuild>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash(s: &str) -> u64 {
        FxBuild::default().hash_one(s)
    }

    #[test]
    fn similar_names_spread_over_the_low_bits() {
        // Tables index by the low bits: names that differ only in their digits must not pile
        // up in a few buckets.
        let buckets: FxHashSet<u64> = (0..4096).map(|i| hash(&format!("c{i}")) & 4095).collect();
        assert!(buckets.len() > 2000, "{} buckets of 4096", buckets.len());
    }

    #[test]
    fn equal_keys_hash_equal_and_others_differ() {
        assert_eq!(hash("tpu_v4.peak_flops_bf16"), hash("tpu_v4.peak_flops_bf16"));
        assert_ne!(hash("c1"), hash("c2"));
        assert_ne!(hash("abcdefgh1"), hash("abcdefgh2"));
        let mut a = FxHasher::default();
        1.5f64.to_bits().hash(&mut a);
        let mut b = FxHasher::default();
        1.5f64.to_bits().hash(&mut b);
        assert_eq!(a.finish(), b.finish());
    }
}
