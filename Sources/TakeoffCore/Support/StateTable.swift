import CMemoryHints

/// A hash table from ``StateKey`` to `Value` over flat storage: open addressing with linear probing on the
/// key's precomputed hash.
///
/// Built for the executors' hot path: a lookup hashes nothing (the key carries its hash), allocates
/// nothing, and reads one control byte per probe before it touches a key (the byte holds 7 bits of the
/// hash, so a probe past another key rarely compares 56 bytes). Slots are addressed by index, so a caller
/// that found a key can update its value in place without a second lookup. Removal shifts the following
/// entries back (no tombstones), so probe lengths stay short in a table that keeps changing.
///
/// A value type with copy-on-write, like the standard collections.
public struct StateTable<Value> {
    final class Storage {
        /// A key and its value side by side: a lookup that finds its key has the value in the same lines.
        struct Entry {
            let key: StateKey
            var value: Value
        }

        /// 0 for an empty slot; otherwise 0x80 | the hash's top 7 bits.
        let control: UnsafeMutablePointer<UInt8>
        let entries: UnsafeMutablePointer<Entry>
        let mask: Int
        var count = 0

        init(capacity: Int) {
            mask = capacity - 1
            // Large tables are probed at random: huge pages where the system offers them, and memory that a
            // table of the same size freed a block ago, its pages still mapped (see CMemoryHints).
            control = takeoff_allocate_table(capacity)!.bindMemory(to: UInt8.self, capacity: capacity)
            control.initialize(repeating: 0, count: capacity)
            entries = takeoff_allocate_table(capacity * MemoryLayout<Entry>.stride)!.bindMemory(to: Entry.self, capacity: capacity)
        }

        var capacity: Int { mask + 1 }

        func copy() -> Storage {
            let copy = Storage(capacity: capacity)
            copy.control.update(from: control, count: capacity)
            for slot in 0..<capacity where control[slot] != 0 { (copy.entries + slot).initialize(to: entries[slot]) }
            copy.count = count
            return copy
        }

        deinit {
            for slot in 0..<capacity where control[slot] != 0 { (entries + slot).deinitialize(count: 1) }
            takeoff_free_table(control, capacity)
            takeoff_free_table(entries, capacity * MemoryLayout<Entry>.stride)
        }
    }

    var storage: Storage

    /// An empty table with room for `minimumCapacity` keys before it grows.
    public init(minimumCapacity: Int = 0) {
        storage = Storage(capacity: Self.capacity(for: minimumCapacity))
    }

    /// A power of two that keeps the table at most 3/4 full with `count` keys.
    static func capacity(for count: Int) -> Int {
        var capacity = 16
        while capacity * 3 / 4 < count { capacity <<= 1 }
        return capacity
    }

    /// The number of keys.
    public var count: Int { storage.count }

    /// Whether the table holds no key.
    public var isEmpty: Bool { storage.count == 0 }

    @inline(__always)
    static func controlByte(_ hash: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: hash >> 57) | 0x80 }

    /// The slot holding `key`, or nil.
    public func slot(of key: StateKey) -> Int? {
        let storage = storage
        let tag = Self.controlByte(key.precomputedHash)
        var slot = Int(truncatingIfNeeded: key.precomputedHash) & storage.mask
        while true {
            let control = storage.control[slot]
            if control == 0 { return nil }
            if control == tag && storage.entries[slot].key == key { return slot }
            slot = (slot + 1) & storage.mask
        }
    }

    /// Starts loading the memory a lookup of `key` will touch first, so that a lookup a little later finds
    /// it in cache: how a caller that knows its next keys overlaps their cache misses.
    public func prefetch(_ key: StateKey) {
        let storage = storage
        let slot = Int(truncatingIfNeeded: key.precomputedHash) & storage.mask
        takeoff_prefetch(storage.control + slot)
        takeoff_prefetch(storage.entries + slot)
    }

    /// The value under `key`, or nil.
    public subscript(key: StateKey) -> Value? {
        get { slot(of: key).map { storage.entries[$0].value } }
        set {
            if let newValue { updateValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
    }

    /// The key in `slot` (a slot returned by this table and not removed since).
    public func key(at slot: Int) -> StateKey { storage.entries[slot].key }

    /// The value in `slot` (a slot returned by this table and not removed since).
    public subscript(slot slot: Int) -> Value {
        get { storage.entries[slot].value }
        set {
            makeUnique()
            storage.entries[slot].value = newValue
        }
    }

    /// The slot of `key`, inserting `make()` first when the key is absent. Slots stay valid until the table
    /// grows or a key is removed.
    public mutating func findOrInsert(_ key: StateKey, _ make: () throws -> Value) rethrows -> (slot: Int, inserted: Bool) {
        if let slot = slot(of: key) { return (slot, false) }
        let value = try make()
        return (insertNew(key, value), true)
    }

    /// Sets the value under `key`, returning its slot.
    @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: StateKey) -> Int {
        if let slot = slot(of: key) {
            makeUnique()
            storage.entries[slot].value = value
            return slot
        }
        return insertNew(key, value)
    }

    /// Inserts a key known to be absent.
    @discardableResult
    mutating func insertNew(_ key: StateKey, _ value: consuming Value) -> Int {
        makeUnique()
        if (storage.count + 1) * 4 > storage.capacity * 3 { grow() }
        let storage = storage
        var slot = Int(truncatingIfNeeded: key.precomputedHash) & storage.mask
        while storage.control[slot] != 0 { slot = (slot + 1) & storage.mask }
        storage.control[slot] = Self.controlByte(key.precomputedHash)
        (storage.entries + slot).initialize(to: Storage.Entry(key: key, value: value))
        storage.count += 1
        return slot
    }

    /// Removes `key` and its value; the entries after it in its probe run move back to keep runs unbroken.
    @discardableResult
    public mutating func removeValue(forKey key: StateKey) -> Value? {
        guard let found = slot(of: key) else { return nil }
        makeUnique()
        let storage = storage
        let removed = (storage.entries + found).move().value
        var hole = found
        var slot = (found + 1) & storage.mask
        while storage.control[slot] != 0 {
            let home = Int(truncatingIfNeeded: storage.entries[slot].key.precomputedHash) & storage.mask
            // The entry may fill the hole when its home is not strictly between the hole and its slot.
            if (slot - home) & storage.mask >= (slot - hole) & storage.mask {
                storage.control[hole] = storage.control[slot]
                (storage.entries + hole).moveInitialize(from: storage.entries + slot, count: 1)
                hole = slot
            }
            slot = (slot + 1) & storage.mask
        }
        storage.control[hole] = 0
        storage.count -= 1
        return removed
    }

    /// Removes every key; with `keepingCapacity`, the table keeps its storage (and the pages it has already
    /// touched) for what comes next.
    public mutating func removeAll(keepingCapacity: Bool = false) {
        guard keepingCapacity else {
            self = StateTable()
            return
        }
        makeUnique()
        let storage = storage
        for slot in 0...storage.mask where storage.control[slot] != 0 { (storage.entries + slot).deinitialize(count: 1) }
        storage.control.update(repeating: 0, count: storage.capacity)
        storage.count = 0
    }

    /// Empties the table without destroying its values, when nothing else shares its storage: for a caller
    /// that knows no value it stored holds a reference (destroying such a value does nothing), and would
    /// otherwise pay, when the table goes, a pass over every entry through the value's generic destructor.
    /// - Precondition: no value in the table holds a reference; one that does would leak.
    mutating func discardValuesHoldingNoReferences() {
        guard isKnownUniquelyReferenced(&storage) else { return }
        storage.control.update(repeating: 0, count: storage.capacity)
        storage.count = 0
    }

    /// Makes room for `count` keys in all, so that inserting them does not grow the table.
    public mutating func reserveCapacity(_ count: Int) {
        let wanted = Self.capacity(for: count)
        if wanted > storage.capacity { rehash(capacity: wanted) }
    }

    /// Calls `body` with every key and value, in no particular order.
    public func forEach(_ body: (StateKey, Value) throws -> Void) rethrows {
        let storage = storage
        for slot in 0...storage.mask where storage.control[slot] != 0 {
            try body(storage.entries[slot].key, storage.entries[slot].value)
        }
    }

    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    private mutating func grow() { rehash(capacity: storage.capacity * 2) }

    private mutating func rehash(capacity: Int) {
        let old = storage
        let new = Storage(capacity: capacity)
        for slot in 0...old.mask where old.control[slot] != 0 {
            var target = Int(truncatingIfNeeded: old.entries[slot].key.precomputedHash) & new.mask
            while new.control[target] != 0 { target = (target + 1) & new.mask }
            new.control[target] = old.control[slot]
            (new.entries + target).initialize(to: old.entries[slot])
        }
        new.count = old.count
        storage = new
    }
}

extension StateTable.Storage: @unchecked Sendable where Value: Sendable {}
extension StateTable: Sendable where Value: Sendable {}

extension StateTable: Sequence {
    /// Walks the occupied slots in slot order.
    public struct Iterator: IteratorProtocol {
        let storage: Storage
        var slot = 0

        public mutating func next() -> (key: StateKey, value: Value)? {
            while slot <= storage.mask {
                defer { slot += 1 }
                if storage.control[slot] != 0 { return (storage.entries[slot].key, storage.entries[slot].value) }
            }
            return nil
        }
    }

    public func makeIterator() -> Iterator { Iterator(storage: storage) }

    public var underestimatedCount: Int { count }
}

extension StateTable {
    /// A table holding `pairs`; a key that appears twice keeps its last value.
    public init(_ pairs: some Sequence<(StateKey, Value)>) {
        self.init(minimumCapacity: pairs.underestimatedCount)
        for (key, value) in pairs { updateValue(value, forKey: key) }
    }
}

extension StateTable: Equatable where Value: Equatable {
    /// Equal when both hold the same keys with equal values.
    public static func == (lhs: StateTable, rhs: StateTable) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs where rhs[key] != value { return false }
        return true
    }
}
