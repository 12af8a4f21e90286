import Synchronization

/// An atomic integer alone on its cache line (with the line beside it, for adjacent-line prefetch), so
/// that threads updating different counters do not slow each other down (false sharing).
final class PaddedAtomicInt: Sendable {
    let value: Atomic<Int>
    private let padding = CacheLinePadding()

    init(_ initial: Int) { value = Atomic(initial) }
}

/// A boolean flag alone on its cache line; see ``PaddedAtomicInt``.
final class PaddedAtomicBool: Sendable {
    let value: Atomic<Bool>
    private let padding = CacheLinePadding()

    init(_ initial: Bool) { value = Atomic(initial) }
}

/// 120 bytes that keep the next object off the cache lines of the one that holds them.
struct CacheLinePadding: Sendable {
    private let words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
}
