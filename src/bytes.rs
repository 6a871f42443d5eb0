//! Byte searches for the one-shot commands.
//!
//! memchr's own entry points choose AVX2 or SSE2 at run time, and that
//! detection costs about 70 µs of CPUID traps at every process start under a
//! hypervisor (a quarter of what mtlsctl's own start costs there). SSE2 is
//! part of x86-64 itself, so these use it without asking; other targets get
//! memchr's portable routines. The OCSP responder, which starts once and
//! scans whole indexes, keeps memchr's run-time choice.

/// The first `needle` byte in `hay`.
pub fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(one) = memchr::arch::x86_64::sse2::memchr::One::new(needle) {
        return one.find(hay);
    }
    memchr::arch::all::memchr::One::new(needle).find(hay)
}

/// The last `needle` byte in `hay`.
pub fn rfind_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(one) = memchr::arch::x86_64::sse2::memchr::One::new(needle) {
        return one.rfind(hay);
    }
    memchr::arch::all::memchr::One::new(needle).rfind(hay)
}

/// Every position of `needle` in `hay`, in order.
pub fn byte_positions(needle: u8, hay: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let i = at + find_byte(needle, hay.get(at..)?)?;
        at = i + 1;
        Some(i)
    })
}

/// The first occurrence of `needle` in `hay`. The needles searched for here
/// start with a byte that is rare in what they are searched in ('-' of a PEM
/// line, in base64 or DER), so the first byte's positions are the filter.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some(&first) = needle.first() else { return Some(0) };
    let mut at = 0;
    while let Some(i) = hay.get(at..).and_then(|rest| find_byte(first, rest)) {
        let p = at + i;
        if hay[p..].starts_with(needle) {
            return Some(p);
        }
        at = p + 1;
    }
    None
}

/// The last occurrence of `needle` in `hay`.
pub fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some(&first) = needle.first() else { return Some(hay.len()) };
    let mut end = hay.len();
    while let Some(p) = rfind_byte(first, &hay[..end]) {
        if hay[p..].starts_with(needle) {
            return Some(p);
        }
        end = p;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_what_memchr_finds_at_the_edges() {
        assert_eq!(find(b"", b"-"), None);
        assert_eq!(find(b"abc", b""), Some(0));
        assert_eq!(rfind(b"abc", b""), Some(3));
        assert_eq!(find(b"--x-----END ", b"-----END "), Some(3));
        assert_eq!(rfind(b"-----END a-----END b", b"-----END "), Some(10));
        assert_eq!(find(b"-----EN", b"-----END "), None);
        assert_eq!(byte_positions(b'\t', b"\ta\t\tb\t").collect::<Vec<_>>(), vec![0, 2, 3, 5]);
        assert_eq!(byte_positions(b'\t', b"").count(), 0);
    }

    proptest! {
        #[test]
        fn agrees_with_memchr(hay in proptest::collection::vec(prop_oneof![Just(b'-'), Just(b'E'), any::<u8>()], 0..300),
                              needle in proptest::collection::vec(prop_oneof![Just(b'-'), Just(b'E')], 0..6),
                              b in prop_oneof![Just(b'-'), any::<u8>()]) {
            prop_assert_eq!(find(&hay, &needle), memchr::memmem::find(&hay, &needle));
            prop_assert_eq!(rfind(&hay, &needle), memchr::memmem::rfind(&hay, &needle));
            prop_assert_eq!(find_byte(b, &hay), memchr::memchr(b, &hay));
            prop_assert_eq!(rfind_byte(b, &hay), memchr::memrchr(b, &hay));
            prop_assert_eq!(byte_positions(b, &hay).collect::<Vec<_>>(), memchr::memchr_iter(b, &hay).collect::<Vec<_>>());
        }
    }
}
