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

/// Every version of one key: the writes of the block's transactions, in index order, over the value the
/// key had before the block.
///
/// Lock order: a key's lock is the innermost lock; nothing else is taken while holding it.
final class KeyVersions: Sendable {
    let key: StateKey
    private let state = Mutex(State())

    /// One transaction's write.
    struct Version: Sendable {
        var writer: Int32
        var entry: VersionEntry
    }

    struct State: Sendable {
        /// The writes, by increasing writer index.
        var versions: [Version] = []
        /// The value before the block, once loaded (`.some(nil)`: absent).
        var base: StateValue?? = .none
    }

    init(key: StateKey) { self.key = key }

    /// Reads the key as transaction `index` sees it.
    func read(before index: Int) -> VersionedRead {
        state.withLock { state in Self.read(before: index, in: state, key: key) }
    }

    /// Records the key's value before the block, if no one has (all loaders load the same value), and reads it as transaction `index` sees it.
    func setBase(_ value: StateValue?, thenReadBefore index: Int) -> VersionedRead {
        state.withLock { state in
            if case .none = state.base { state.base = .some(value) }
            return Self.read(before: index, in: state, key: key)
        }
    }

    private static func read(before index: Int, in state: State, key: StateKey) -> VersionedRead {
        var position = Self.position(of: index, in: state.versions)
        var credit: UInt128 = 0
        var credited = false
        while position > 0 {
            position -= 1
            switch state.versions[position].entry {
            case .estimate:
                return .dependency(Int(state.versions[position].writer))
            case .value(let value):
                return .value(credited ? value.credited(credit, key: key) : value)
            case .credit(let amount):
                credit = credit.saturatingAdding(amount)
                credited = true
            }
        }
        guard case .some(let base) = state.base else { return .needsBase }
        return .value(credited ? base.credited(credit, key: key) : base)
    }

    /// Once the block is done: the key's value before the block (`.none` if never loaded) and after all
    /// `count` transactions, or nil when no transaction wrote it. One lock for all three questions.
    func settled(count: Int) -> (base: StateValue??, final: VersionedRead)? {
        state.withLock { state in
            guard !state.versions.isEmpty else { return nil }
            return (state.base, Self.read(before: count, in: state, key: key))
        }
    }

    /// Sets transaction `index`'s entry.
    func write(_ entry: VersionEntry, by index: Int) {
        state.withLock { state in
            let position = Self.position(of: index, in: state.versions)
            if position < state.versions.count, state.versions[position].writer == Int32(index) {
                state.versions[position].entry = entry
            } else {
                state.versions.insert(Version(writer: Int32(index), entry: entry), at: position)
            }
        }
    }

    /// Turns transaction `index`'s entry into an estimate.
    func markEstimate(by index: Int) { write(.estimate, by: index) }

    /// Removes transaction `index`'s entry.
    func remove(by index: Int) {
        state.withLock { state in
            let position = Self.position(of: index, in: state.versions)
            if position < state.versions.count, state.versions[position].writer == Int32(index) {
                state.versions.remove(at: position)
            }
        }
    }

    /// The first position whose writer is not below `index`.
    private static func position(of index: Int, in versions: [Version]) -> Int {
        // Writers mostly arrive in order: check the end before searching.
        let target = Int32(index)
        if let last = versions.last, last.writer < target { return versions.count }
        var low = 0
        var high = versions.count
        while low < high {
            let middle = (low + high) / 2
            if versions[middle].writer < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// One read of an incarnation: the key's versions and the value seen, checked again at validation.
struct ReadRecord: Sendable {
    let versions: KeyVersions
    let value: StateValue?
}

/// The multi-version memory of one block: every key any transaction touched, with all its versions.
///
/// Keys live in an open-addressing table sized for the block, whose slots are set once and never change:
/// a lookup is a few atomic loads with no lock, and a new key is claimed with one compare-and-swap. Should
/// the table fill up, further keys go to a dictionary behind a lock.
final class MultiVersionMemory: @unchecked Sendable {
    // @unchecked: the slots are atomics written once; the overflow dictionary is behind its mutex.
    private let slots: UnsafeMutablePointer<AtomicLazyReference<KeyVersions>>
    private let capacity: Int
    private let overflow = Mutex<[StateKey: KeyVersions]>([:])

    /// Creates a memory with room for about `expectedKeys` keys before anything overflows.
    init(expectedKeys: Int) {
        var capacity = 1024
        while capacity < expectedKeys * 2 { capacity <<= 1 }
        self.capacity = capacity
        slots = .allocate(capacity: capacity)
        for index in 0..<capacity { (slots + index).initialize(to: AtomicLazyReference()) }
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
    }

    /// The versions of `key`, created empty on first use.
    func versions(of key: StateKey) -> KeyVersions {
        let mask = capacity - 1
        var index = Int(truncatingIfNeeded: key.precomputedHash) & mask
        for _ in 0..<min(capacity, 64) {
            if let existing = slots[index].load() {
                if existing.key == key { return existing }
            } else {
                let stored = slots[index].storeIfNil(KeyVersions(key: key))
                if stored.key == key { return stored }  // ours, or the same key claimed first by another worker
            }
            index = (index + 1) & mask
        }
        return overflow.withLock { keys in
            if let existing = keys[key] { return existing }
            let created = KeyVersions(key: key)
            keys[key] = created
            return created
        }
    }

    /// The number of table slots, for walking the keys in chunks with ``versions(atSlot:)``.
    var slotCount: Int { capacity }

    /// The key in table slot `slot`, if one was claimed.
    func versions(atSlot slot: Int) -> KeyVersions? { slots[slot].load() }

    /// The keys that did not fit in the table.
    var overflowVersions: [KeyVersions] { overflow.withLock { Array($0.values) } }
}
