//! [`InlineKey`]: a byte-string key that stores short keys inside the tree node.
//!
//! Why: with `Vec<u8>` or `Box<[u8]>` keys every comparison in a node's binary search follows a
//! pointer to a separate heap allocation, and in a large tree nearly every one of those is a
//! cache miss. Measured with the crate's `timing` example on a million random 16-byte index keys
//! (two cores, other builds running): lookups took about 0.75 s with `Vec<u8>` keys, 0.35 s with
//! `InlineKey` keys probed by `&InlineKey` and 0.42 s probed by `&[u8]`; inserts 0.74 s against
//! 0.42 s. Encoded index keys are usually short (an integer column plus the 8-byte row id is 17
//! bytes), so they fit inline.
//!
//! Layout: 24 bytes, like a `Vec<u8>`. Keys of up to [`InlineKey::INLINE_CAPACITY`] (22) bytes
//! live inline with their length; longer keys go to a `Box<[u8]>`. The representation is
//! canonical (a key short enough to be inline always is), and inline bytes past the length are
//! zero, so two inline keys compare as three big-endian words and then their lengths, which
//! orders them exactly as their byte strings (a zero-padded tie means one is a prefix of the
//! other, and the shorter sorts first). Ordering, equality and hashing all agree with `[u8]`, as
//! `Borrow<[u8]>` requires, so a tree of `InlineKey`s can be searched with plain `&[u8]` (or,
//! slightly faster, with `&InlineKey`).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

const INLINE_CAPACITY: usize = 22;

/// A byte-string key stored inline when short (see the module documentation).
#[derive(Clone)]
pub struct InlineKey(Representation);

#[derive(Clone)]
enum Representation {
    /// `bytes[..length]` is the key; the rest is zero.
    Inline {
        length: u8,
        bytes: [u8; INLINE_CAPACITY],
    },
    /// Only for keys longer than `INLINE_CAPACITY`.
    Heap(Box<[u8]>),
}

const _: () = assert!(
    std::mem::size_of::<InlineKey>() == 24,
    "an InlineKey is as small as a Vec<u8>"
);
const _: () = assert!(
    INLINE_CAPACITY <= u8::MAX as usize,
    "the inline length fits in a u8"
);

/// The key's bytes as three big-endian words (8 + 8 + 6 bytes, the last zero-extended).
fn words(bytes: &[u8; INLINE_CAPACITY]) -> [u64; 3] {
    let mut tail = [0u8; 8];
    tail[2..].copy_from_slice(&bytes[16..]);
    let word = |range: std::ops::Range<usize>| {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[range]);
        u64::from_be_bytes(chunk)
    };
    [word(0..8), word(8..16), u64::from_be_bytes(tail)]
}

impl InlineKey {
    /// The longest key stored without a heap allocation.
    pub const INLINE_CAPACITY: usize = INLINE_CAPACITY;

    /// A key holding a copy of `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE_CAPACITY {
            let mut inline = [0u8; INLINE_CAPACITY];
            inline[..bytes.len()].copy_from_slice(bytes);
            InlineKey(Representation::Inline {
                length: bytes.len() as u8,
                bytes: inline,
            })
        } else {
            InlineKey(Representation::Heap(bytes.into()))
        }
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Representation::Inline { length, bytes } => &bytes[..usize::from(*length)],
            Representation::Heap(bytes) => bytes,
        }
    }

    /// Whether the key is stored inline (no heap allocation).
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Representation::Inline { .. })
    }
}

impl From<&[u8]> for InlineKey {
    fn from(bytes: &[u8]) -> Self {
        InlineKey::new(bytes)
    }
}

impl From<Vec<u8>> for InlineKey {
    /// Reuses the vector's allocation for long keys.
    fn from(bytes: Vec<u8>) -> Self {
        if bytes.len() <= INLINE_CAPACITY {
            InlineKey::new(&bytes)
        } else {
            InlineKey(Representation::Heap(bytes.into_boxed_slice()))
        }
    }
}

impl Deref for InlineKey {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for InlineKey {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<[u8]> for InlineKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for InlineKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for InlineKey {}

impl Ord for InlineKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (
                Representation::Inline {
                    length: own_length,
                    bytes: own_bytes,
                },
                Representation::Inline {
                    length: other_length,
                    bytes: other_bytes,
                },
            ) => words(own_bytes)
                .cmp(&words(other_bytes))
                .then(own_length.cmp(other_length)),
            _ => self.as_bytes().cmp(other.as_bytes()),
        }
    }
}

impl PartialOrd for InlineKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for InlineKey {
    /// Hashes as the byte slice does, as `Borrow<[u8]>` requires.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Debug for InlineKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "InlineKey(")?;
        for byte in self.as_bytes() {
            write!(formatter, "{byte:02x}")?;
        }
        write!(formatter, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::hash_map::DefaultHasher;

    fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
        let mut hasher = DefaultHasher::new();
        value.hash(&mut hasher);
        hasher.finish()
    }

    /// Byte strings around the inline limit, over an alphabet rich in 0x00 and 0xFF (the bytes
    /// where zero padding could be confused with content).
    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(prop::sample::select(vec![0x00u8, 0x01, 0x80, 0xFF]), 0..30),
            prop::collection::vec(any::<u8>(), 0..40),
        ]
    }

    proptest! {
        #[test]
        fn agrees_with_byte_slices(first in bytes(), second in bytes()) {
            let (first_key, second_key) = (InlineKey::new(&first), InlineKey::from(second.clone()));
            prop_assert_eq!(first_key.cmp(&second_key), first.cmp(&second));
            prop_assert_eq!(second_key.cmp(&first_key), second.cmp(&first));
            prop_assert_eq!(first_key == second_key, first == second);
            prop_assert_eq!(first_key.as_bytes(), first.as_slice());
            prop_assert_eq!(first_key.is_inline(), first.len() <= InlineKey::INLINE_CAPACITY);
            prop_assert_eq!(hash_of(&first_key), hash_of(first.as_slice()));
        }

        #[test]
        fn extending_a_key_with_zeros_sorts_after_it(prefix in bytes(), zeros in 1usize..10) {
            let mut extended = prefix.clone();
            extended.extend(std::iter::repeat_n(0u8, zeros));
            prop_assert!(InlineKey::new(&prefix) < InlineKey::new(&extended));
        }
    }

    #[test]
    fn boundary_lengths() {
        let short = InlineKey::new(&[0xFF; 22]);
        let long = InlineKey::new(&[0xFF; 23]);
        assert!(short.is_inline());
        assert!(!long.is_inline());
        assert!(short < long);
        assert_eq!(InlineKey::new(&[]).as_bytes(), &[] as &[u8]);
        assert!(InlineKey::new(&[]) < InlineKey::new(&[0]));
        assert_eq!(
            format!("{:?}", InlineKey::new(&[0x0a, 0xff])),
            "InlineKey(0aff)"
        );
    }
}
