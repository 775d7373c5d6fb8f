//! Where the lines of a file end: the positions of its `\n` and `\r` bytes, found 64 bytes at a time.
//!
//! Owns: [`Breaks`]. Why not a search call per line (`memchr2`): an odoo.conf line is ~30 bytes, and each
//! call paid ~70 instructions of set-up (dispatch, vector constants, the short-haystack path) for a few
//! bytes of search, ~13 % of a parse. Here one pass over a 64-byte block (SSE2, part of every x86_64 CPU)
//! gives the positions of all its line breaks as the bits of one mask, and each line then costs a
//! trailing-zero count.

/// The line breaks of a text, asked for in increasing order of position. It holds no reference to the
/// text (the parser that asks also adds to the document that owns it): every call is given the same bytes.
pub(crate) struct Breaks {
    /// Offset of the block `mask` describes (a multiple of 64).
    block: usize,
    /// Bit `i` set: `bytes[block + i]` is `\n` or `\r`.
    mask: u64,
}

impl Breaks {
    pub(crate) fn new(bytes: &[u8]) -> Breaks {
        Breaks {
            block: 0,
            mask: block_mask(bytes, 0),
        }
    }

    /// The position of the first `\n` or `\r` of `bytes` at or after `from`, or `None`. Positions asked
    /// for after a larger one are answered from the larger one's block onwards (the parser only moves
    /// forwards).
    pub(crate) fn next_from(&mut self, bytes: &[u8], from: usize) -> Option<usize> {
        if from >= self.block + 64 {
            self.block = from - from % 64;
            self.mask = block_mask(bytes, self.block);
        }
        let skip = from.saturating_sub(self.block);
        let mut mask = self.mask & u64::MAX.checked_shl(skip as u32).unwrap_or(0);
        while mask == 0 {
            if self.block + 64 >= bytes.len() {
                return None;
            }
            self.block += 64;
            self.mask = block_mask(bytes, self.block);
            mask = self.mask;
        }
        Some(self.block + mask.trailing_zeros() as usize)
    }
}

/// The line breaks of the 64 bytes from `start` (fewer at the end: the missing bytes are no breaks).
fn block_mask(bytes: &[u8], start: usize) -> u64 {
    let rest = bytes.get(start..).unwrap_or_default();
    match rest.first_chunk::<64>() {
        Some(block) => mask_of(block),
        None => {
            let mut block = [0u8; 64];
            if let Some(head) = block.get_mut(..rest.len()) {
                head.copy_from_slice(rest);
            }
            mask_of(&block)
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn mask_of(block: &[u8; 64]) -> u64 {
    // SAFETY: SSE2 is part of the x86_64 baseline: every CPU this code runs on has it.
    unsafe { mask_sse2(block) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn mask_sse2(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let (lf, cr) = (_mm_set1_epi8(b'\n' as i8), _mm_set1_epi8(b'\r' as i8));
    let mut mask = 0u64;
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: `chunk` is 16 bytes of `block`, all readable; the unaligned load reads exactly them.
        let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>()) };
        let hits = _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr));
        // One bit per byte of the 16 (the upper bits of the `i32` are zero).
        mask |= u64::from(_mm_movemask_epi8(hits) as u16) << (16 * i);
    }
    mask
}

#[cfg(not(target_arch = "x86_64"))]
fn mask_of(block: &[u8; 64]) -> u64 {
    block.iter().enumerate().fold(0, |mask, (i, &b)| {
        mask | (u64::from(b == b'\n' || b == b'\r') << i)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every break in order, asking from just after the previous one, as the parser does.
    fn all(bytes: &[u8]) -> Vec<usize> {
        let mut breaks = Breaks::new(bytes);
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(at) = breaks.next_from(bytes, from) {
            found.push(at);
            from = at + 1;
        }
        found
    }

    fn by_definition(bytes: &[u8], from: usize) -> Option<usize> {
        (from..bytes.len()).find(|&i| matches!(bytes.get(i), Some(b'\n' | b'\r')))
    }

    #[test]
    fn breaks_at_block_edges_and_the_end() {
        let mut bytes = vec![b'x'; 200];
        for at in [0, 62, 63, 64, 127, 128, 199] {
            bytes[at] = if at % 2 == 0 { b'\n' } else { b'\r' };
        }
        assert_eq!(all(&bytes), [0, 62, 63, 64, 127, 128, 199]);
        assert_eq!(all(b""), Vec::<usize>::new());
        assert_eq!(all(b"no break"), Vec::<usize>::new());
        // A jump over whole blocks without breaks.
        let mut breaks = Breaks::new(&bytes);
        assert_eq!(breaks.next_from(&bytes, 129), Some(199));
        assert_eq!(breaks.next_from(&bytes, 200), None);
        assert_eq!(breaks.next_from(&bytes, 500), None);
    }

    proptest! {
        /// The same positions as a byte-by-byte search, for any bytes and any increasing starts (also
        /// starts that skip breaks, as after `\r\n`).
        #[test]
        fn breaks_are_found_as_defined(
            bytes in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), any::<u8>()], 0..400),
            steps in proptest::collection::vec(0usize..90, 1..40),
        ) {
            let mut breaks = Breaks::new(&bytes);
            let mut from = 0;
            for step in steps {
                from += step;
                prop_assert_eq!(breaks.next_from(&bytes, from), by_definition(&bytes, from), "from {}", from);
            }
        }
    }
}
