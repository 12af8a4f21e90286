import CMemoryHints
import Foundation
import Synchronization

/// What one transaction wrote to one key, as the multi-version memory keeps it.
enum VersionEntry: Sendable {
    /// A plain write (`nil`: deleted).
    case value(StateValue?)
    /// A commutative credit on top of whatever is below it.
    case credit(UInt128)
    /// The writer was aborted: this write will probably be rewritten, so readers wait for the writer.
    case estimate
}

/// The result of reading a key as of just before transaction `index`.
enum VersionedRead {
    /// The value, credits applied.
    case value(StateValue?)
    /// An aborted transaction below the reader wrote the key: wait for it.
    case dependency(Int)
    /// Nothing below the reader wrote the key and its value before the block is not loaded yet.
    case needsBase
}

/// A key's place in the multi-version memory: its number in the order keys were first touched, fixed for
/// the block.
typealias KeySlot = Int32

/// One read of an incarnation: where the key lives and the value seen, checked again at validation.
struct ReadRecord: Sendable {
    let slot: KeySlot
    let value: StateValue?
}

/// The multi-version memory of one block: every key any transaction touched, with all its versions.
///
/// Flat storage sized for the block, allocated once, in two parts:
///
/// - an open-addressing index of 64-bit words, one per slot: 0 when empty, 1 while a worker claims it,
///   otherwise the key's number (plus 2) and 32 bits of its hash, so that a probe past another key rarely
///   needs to look at that key;
/// - the keys, numbered densely in the order they were claimed, and beside them each key's cell: its
///   versions and its value before the block, behind a 32-bit spin lock. Keys never change once published,
///   so they are read without the lock, from an array of their own that the cells' writes do not touch.
///
/// A key's number names it for the rest of the block: read records and write lists hold numbers, not
/// references, so nothing on the hot path counts references, and finalization walks the cells in order. A
/// new key costs one compare-and-swap in the index; lookups that land on a slot being claimed wait for it.
///
/// The lock is a spin lock: it guards a binary search and an insertion into a short list, much shorter than
/// the trip through the kernel that a contended `Mutex` can take. A key's lock is the innermost lock;
/// nothing else is taken while holding it.
///
/// The index does not grow: once seven eighths of it are claimed, ``slot(of:)`` returns nil and the run
/// stops, to be retried with a larger memory (see `ParallelExecutor`).
final class MultiVersionMemory: @unchecked Sendable {
    // @unchecked: a key and its cell are initialized before the index word that names them is published
    // (release) and used only after loading that word (acquire); a key never changes, a cell is touched only
    // under its lock.

    /// Every version of one key: the writes of the block's transactions, in index order, over the value the
    /// key had before the block.
    struct Cell {
        /// The writes, by increasing writer index.
        var versions = VersionList()
        /// The value before the block, once loaded (`.some(nil)`: absent).
        var base: StateValue?? = .none
    }

    private static let empty: UInt64 = 0
    private static let claiming: UInt64 = 1

    /// The number of index slots, a power of two.
    let slotCount: Int
    private let claimLimit: Int
    private let claimed = Atomic<Int>(0)
    private let index: UnsafeMutablePointer<Atomic<UInt64>>
    /// The keys by number; room for one per index slot, like the cells.
    private let keys: UnsafeMutablePointer<StateKey>
    /// The cells, each a lock word followed by a ``Cell``; room for one per index slot, so a claimed slot
    /// always has one (pages the block does not reach are never touched).
    private let cells: UnsafeMutableRawPointer
    private static let cellOffset = max(MemoryLayout<UInt32>.stride, MemoryLayout<Cell>.alignment)
    private static let cellStride: Int = {
        let alignment = max(MemoryLayout<Cell>.alignment, MemoryLayout<UInt32>.alignment)
        return (cellOffset + MemoryLayout<Cell>.stride + alignment - 1) / alignment * alignment
    }()

    /// Creates a memory with room for `expectedKeys` keys in an index at most half full.
    init(expectedKeys: Int) {
        var capacity = 1024
        while capacity < expectedKeys * 2 { capacity <<= 1 }
        slotCount = capacity
        claimLimit = capacity - capacity / 8
        // Zeroed pages from the system: a zero word is `empty`, and untouched slots cost nothing.
        index = calloc(capacity, MemoryLayout<UInt64>.stride)!.bindMemory(to: Atomic<UInt64>.self, capacity: capacity)
        cells = UnsafeMutableRawPointer.allocate(byteCount: capacity * Self.cellStride, alignment: 64)
        keys = .allocate(capacity: capacity)
    }

    deinit {
        for slot in 0..<keyCount { cell(KeySlot(slot)).deinitialize(count: 1) }
        keys.deinitialize(count: keyCount)
        keys.deallocate()
        cells.deallocate()
        free(UnsafeMutableRawPointer(index))
    }

    /// The number of keys claimed; once the workers are done with the block, the slots are `0..<keyCount`.
    var keyCount: Int { claimed.load(ordering: .acquiring) }

    @inline(__always)
    private func lockWord(_ slot: KeySlot) -> UnsafeMutablePointer<Atomic<UInt32>> {
        (cells + Int(slot) &* Self.cellStride).assumingMemoryBound(to: Atomic<UInt32>.self)
    }

    @inline(__always)
    private func cell(_ slot: KeySlot) -> UnsafeMutablePointer<Cell> {
        (cells + Int(slot) &* Self.cellStride + Self.cellOffset).assumingMemoryBound(to: Cell.self)
    }

    // MARK: - Keys

    /// The slot of `key`, claimed on first use; nil once the index is too full to take another key.
    func slot(of key: StateKey) -> KeySlot? {
        let mask = slotCount - 1
        let tag = key.precomputedHash >> 32
        var position = Int(truncatingIfNeeded: key.precomputedHash) & mask
        while true {
            var word = index[position].load(ordering: .acquiring)
            if word == Self.empty {
                guard claimed.load(ordering: .relaxed) < claimLimit else { return nil }
                let (exchanged, original) = index[position].compareExchange(
                    expected: Self.empty, desired: Self.claiming, ordering: .acquiring)
                if exchanged {
                    let slot = KeySlot(claimed.add(1, ordering: .relaxed).oldValue)
                    lockWord(slot).initialize(to: Atomic(0))
                    (keys + Int(slot)).initialize(to: key)
                    cell(slot).initialize(to: Cell())
                    index[position].store(tag << 32 | UInt64(slot + 2), ordering: .releasing)
                    return slot
                }
                word = original
            }
            while word == Self.claiming {
                takeoff_spin_wait()
                word = index[position].load(ordering: .acquiring)
            }
            if word >> 32 == tag {
                let slot = KeySlot(truncatingIfNeeded: word & 0xFFFF_FFFF) - 2
                if keys[Int(slot)] == key { return slot }
            }
            position = (position + 1) & mask
        }
    }

    /// The key at a claimed slot.
    func key(at slot: KeySlot) -> StateKey { keys[Int(slot)] }

    // MARK: - Versions

    /// Runs `body` on the cell of `slot` under its lock.
    @inline(__always)
    private func withCell<Result>(_ slot: KeySlot, _ body: (inout Cell) -> Result) -> Result {
        let lock = lockWord(slot)
        var spins = 0
        while !lock.pointee.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged {
            spins += 1
            // Spin briefly for a holder that is running; yield to one that the system has descheduled.
            if spins < 64 { takeoff_spin_wait() } else { sched_yield() }
        }
        defer { lock.pointee.store(0, ordering: .releasing) }
        return body(&cell(slot).pointee)
    }

    /// Reads the key as transaction `index` sees it.
    func read(_ slot: KeySlot, before index: Int) -> VersionedRead {
        let key = key(at: slot)
        return withCell(slot) { Self.read(before: index, in: $0, key: key) }
    }

    /// Records the key's value before the block, if no one has (all loaders load the same value), and reads it
    /// as transaction `index` sees it.
    func setBase(_ slot: KeySlot, to value: StateValue?, thenReadBefore index: Int) -> VersionedRead {
        let key = key(at: slot)
        return withCell(slot) { cell in
            if case .none = cell.base { cell.base = .some(value) }
            return Self.read(before: index, in: cell, key: key)
        }
    }

    /// Once the block is done: the key's value before the block (`.none` if never loaded) and after all
    /// `count` transactions, or nil when no transaction wrote it. One lock for all three questions.
    func settled(_ slot: KeySlot, count: Int) -> (base: StateValue??, final: VersionedRead)? {
        let key = key(at: slot)
        return withCell(slot) { cell in
            guard !cell.versions.isEmpty else { return nil }
            return (cell.base, Self.read(before: count, in: cell, key: key))
        }
    }

    /// Once the run is done: the transactions that wrote the key, in increasing order, into `writers`.
    func writers(of slot: KeySlot, into writers: inout [Int32]) {
        writers.removeAll(keepingCapacity: true)
        withCell(slot) { cell in
            for position in 0..<cell.versions.count { writers.append(cell.versions.writer(at: position)) }
        }
    }

    /// Sets transaction `index`'s entry.
    func write(_ entry: VersionEntry, to slot: KeySlot, by index: Int) {
        withCell(slot) { cell in
            let writer = Int32(index)
            let position = cell.versions.position(of: writer)
            if position < cell.versions.count, cell.versions.writer(at: position) == writer {
                cell.versions.setEntry(entry, at: position)
            } else {
                cell.versions.insert(entry, by: writer, at: position)
            }
        }
    }

    /// Turns transaction `index`'s entry into an estimate.
    func markEstimate(_ slot: KeySlot, by index: Int) { write(.estimate, to: slot, by: index) }

    /// Removes transaction `index`'s entry.
    func remove(_ slot: KeySlot, by index: Int) {
        withCell(slot) { cell in
            let writer = Int32(index)
            let position = cell.versions.position(of: writer)
            if position < cell.versions.count, cell.versions.writer(at: position) == writer {
                cell.versions.remove(at: position)
            }
        }
    }

    private static func read(before index: Int, in cell: Cell, key: StateKey) -> VersionedRead {
        var position = cell.versions.position(of: Int32(index))
        var credit: UInt128 = 0
        var credited = false
        while position > 0 {
            position -= 1
            switch cell.versions.entry(at: position) {
            case .estimate:
                return .dependency(Int(cell.versions.writer(at: position)))
            case .value(let value):
                return .value(credited ? value.credited(credit, key: key) : value)
            case .credit(let amount):
                credit = credit.saturatingAdding(amount)
                credited = true
            }
        }
        guard case .some(let base) = cell.base else { return .needsBase }
        return .value(credited ? base.credited(credit, key: key) : base)
    }
}

/// A block touched more keys than its multi-version memory was sized for. Travels as an
/// ``ExecutionInterrupted/storageFailure(_:)`` out of the transaction that hit it, so that a chain's logic
/// (which passes interruptions on) needs no case for it; the run stops and is retried with a larger table.
struct KeyTableFull: Error {
    let slots: Int
}
