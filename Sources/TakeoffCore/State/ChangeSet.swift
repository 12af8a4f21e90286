/// One key's change in a block: its value before and after. `nil` means absent.
public struct StateChange: Hashable, Sendable {
    /// The key that changed.
    public var key: StateKey
    /// The value before the block.
    public var oldValue: StateValue?
    /// The value after the block.
    public var newValue: StateValue?

    /// Creates a change.
    public init(key: StateKey, oldValue: StateValue?, newValue: StateValue?) {
        self.key = key
        self.oldValue = oldValue
        self.newValue = newValue
    }
}

/// The ordered set of changes a block makes: one entry per key whose value differs after the block, sorted
/// by key, so that two executions of the same block produce the same bytes.
///
/// It carries the previous values too: the commitment update needs them, and so does unwinding.
public struct ChangeSet: Hashable, Sendable {
    /// The changes, sorted by key, one per key.
    public private(set) var changes: [StateChange]

    /// Creates a change set from changes in any order; keys must be distinct, and entries whose old and new
    /// values are equal are dropped.
    public init<Changes: Sequence<StateChange>>(unsorted: Changes) {
        self.init(unsortedDistinct: unsorted.filter { $0.oldValue != $0.newValue })
    }

    /// A change set from distinct keys whose old and new values differ, in any order: only the sort is left.
    ///
    /// The keys are sorted by radix (``StateKeySort``) as (bytes, position) pairs of plain words, and the
    /// changes, which carry values that may hold references, are then gathered once in order.
    init(unsortedDistinct changes: [StateChange]) {
        self.changes = StateKeySort.order(of: changes.map(\.key)).map { changes[Int($0)] }
    }

    /// An empty change set.
    public init() { changes = [] }

    /// A change set from changes whose keys a decoder has already checked to be strictly increasing.
    package init(checkedSortedChanges changes: [StateChange]) { self.changes = changes }

    /// The change sets of consecutive blocks as one: each key once, with its value before the first and
    /// after the last (keys that come back to their first value drop out).
    ///
    /// Each change set is sorted already, so this is a k-way merge through a heap of the sets' next keys
    /// (ties go to the earlier block): every change is moved once, into a result that comes out sorted, with
    /// no hash table and no sort.
    public static func merging(_ changeSets: some Sequence<ChangeSet>) -> ChangeSet {
        mergingSorted(changeSets.filter { !$0.isEmpty })
    }

    private static func mergingSorted(_ sets: [ChangeSet]) -> ChangeSet {
        if sets.count <= 1 { return sets.first ?? ChangeSet() }
        var merged: [StateChange] = []
        merged.reserveCapacity(sets.reduce(0) { $0 + $1.count })
        var heap = MergeHeap(sets)
        while let (set, position) = heap.popMinimum() {
            let change = sets[set].changes[position]
            if let last = merged.last, last.key == change.key {
                merged[merged.count - 1].newValue = change.newValue
                continue
            }
            if let last = merged.last, last.oldValue == last.newValue { merged.removeLast() }
            merged.append(change)
        }
        if let last = merged.last, last.oldValue == last.newValue { merged.removeLast() }
        return ChangeSet(checkedSortedChanges: merged)
    }

    /// The change sets of consecutive blocks as one, for a store that writes them in one pass in key order: each
    /// key once, with its value before the first block that changed it, its value after the last, and the index
    /// of that first block in `sets`.
    ///
    /// Unlike ``merging(_:)``, a key that comes back to its first value stays (the store still checks that
    /// value against what it holds), and each block's change of a key is checked against the value the block
    /// before it left: the check a store makes when it applies the blocks one after another.
    /// - Returns: the merged changes, or the first change that does not start where the earlier block left its key.
    package static func mergingConsecutive(_ sets: [ChangeSet]) -> Result<MergedConsecutiveChanges, BrokenChangeChain> {
        var merged = MergedConsecutiveChanges()
        merged.changes.reserveCapacity(sets.reduce(0) { $0 + $1.count })
        merged.firstSets.reserveCapacity(merged.changes.capacity)
        var heap = MergeHeap(sets)
        while let (set, position) = heap.popMinimum() {
            let change = sets[set].changes[position]
            if let last = merged.changes.last, last.key == change.key {
                guard change.oldValue == last.newValue else {
                    return .failure(BrokenChangeChain(set: set, key: change.key, expected: change.oldValue, found: last.newValue))
                }
                merged.changes[merged.changes.count - 1].newValue = change.newValue
            } else {
                merged.changes.append(change)
                merged.firstSets.append(Int32(set))
            }
        }
        return .success(merged)
    }

    /// The number of changed keys.
    public var count: Int { changes.count }

    /// Whether nothing changed.
    public var isEmpty: Bool { changes.isEmpty }

    /// SHA-256 over the encoded (key, new value) pairs in order: ``BlockHeader/changeSetDigest``.
    public var digest: Hash32 {
        var writer = ByteWriter(capacity: changes.count * 64)
        for change in changes {
            change.key.encode(to: &writer)
            Self.encode(change.newValue, to: &writer)
        }
        return Hash32.sha256(writer.bytes)
    }

    /// The format version written before every encoded change set.
    public static let formatVersion: UInt8 = 1

    /// Appends the canonical encoding: every key with its old and new value.
    package func encode(to writer: inout ByteWriter) {
        writer.write(Self.formatVersion)
        writer.write(UInt32(changes.count))
        for change in changes {
            change.key.encode(to: &writer)
            Self.encode(change.oldValue, to: &writer)
            Self.encode(change.newValue, to: &writer)
        }
    }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 16 + changes.count * 96)
        encode(to: &writer)
        return writer.bytes
    }

    /// Reads one change set, checking that its keys are strictly increasing.
    /// - Throws: ``CodecError`` on malformed input or keys out of order.
    package static func decode(from reader: inout ByteReader) throws(CodecError) -> ChangeSet {
        let version = try reader.readUInt8("change set version")
        guard version == formatVersion else { throw CodecError.unsupportedVersion(what: "change set", version: version) }
        // An entry is at least a 21-byte key and two 1-byte absent markers.
        let count = try reader.readCount("changes", minimumElementSize: 23)
        var changes: [StateChange] = []
        changes.reserveCapacity(count)
        for _ in 0..<count {
            let key = try StateKey.decode(from: &reader)
            if let last = changes.last, !(last.key < key) {
                throw CodecError.invalidValue(what: "change set", reason: "keys are not strictly increasing at \(key)")
            }
            let change = StateChange(key: key, oldValue: try decodeOptional(from: &reader), newValue: try decodeOptional(from: &reader))
            changes.append(change)
        }
        return ChangeSet(checkedSortedChanges: changes)
    }

    /// Decodes a change set that fills `bytes` exactly.
    /// - Throws: ``CodecError`` on malformed or trailing bytes.
    public init(encoded bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        self = try Self.decode(from: &reader)
        try reader.expectEnd(of: "change set")
    }

    /// Appends a value as change sets encode it: a presence byte, then the value when present.
    static func encode(_ value: StateValue?, to writer: inout ByteWriter) {
        if let value {
            writer.write(UInt8(1))
            value.encode(to: &writer)
        } else {
            writer.write(UInt8(0))
        }
    }

    private static func decodeOptional(from reader: inout ByteReader) throws(CodecError) -> StateValue? {
        switch try reader.readUInt8("value presence") {
        case 0: return nil
        case 1: return try StateValue.decode(from: &reader)
        case let tag: throw CodecError.unknownTag(what: "value presence", tag: tag)
        }
    }
}

/// Consecutive blocks' changes merged by ``ChangeSet/mergingConsecutive(_:)``.
package struct MergedConsecutiveChanges: Sendable {
    /// Each changed key once, in key order: its value before the first block that changed it and after the last.
    package var changes: [StateChange] = []
    /// For each change, the index of the first block (among the merged sets) that changed its key.
    package var firstSets: [Int32] = []
}

/// A block whose change of a key does not start from the value the block before it left there.
package struct BrokenChangeChain: Error, Sendable {
    /// The block's index among the merged sets.
    package var set: Int
    package var key: StateKey
    /// The value the block's change says the key held before it.
    package var expected: StateValue?
    /// The value the earlier blocks left.
    package var found: StateValue?
}

/// A binary min-heap of the next key of each sorted change set, for ``ChangeSet/merging(_:)``: ordered by
/// key, then by set (the earlier block first).
private struct MergeHeap {
    private var entries: [(key: StateKey, set: Int, position: Int)] = []
    private let sets: [ChangeSet]

    init(_ sets: [ChangeSet]) {
        self.sets = sets
        for (set, changeSet) in sets.enumerated() where !changeSet.isEmpty {
            entries.append((changeSet.changes[0].key, set, 0))
        }
        for index in stride(from: entries.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    /// The set and position of the smallest next change, advancing that set; nil when all are consumed.
    mutating func popMinimum() -> (set: Int, position: Int)? {
        guard let top = entries.first else { return nil }
        let next = top.position + 1
        if next < sets[top.set].count {
            entries[0] = (sets[top.set].changes[next].key, top.set, next)
        } else {
            let last = entries.removeLast()
            if entries.isEmpty { return (top.set, top.position) }
            entries[0] = last
        }
        siftDown(0)
        return (top.set, top.position)
    }

    private func precedes(_ a: Int, _ b: Int) -> Bool {
        let lhs = entries[a]
        let rhs = entries[b]
        return lhs.key < rhs.key || (lhs.key == rhs.key && lhs.set < rhs.set)
    }

    private mutating func siftDown(_ start: Int) {
        var index = start
        while true {
            let left = 2 * index + 1
            guard left < entries.count else { return }
            var smallest = precedes(left, index) ? left : index
            if left + 1 < entries.count, precedes(left + 1, smallest) { smallest = left + 1 }
            if smallest == index { return }
            entries.swapAt(index, smallest)
            index = smallest
        }
    }
}
