import TakeoffCore
import TakeoffIO

/// The archive's compact forms of keys, values, receipts and access sets: what makes a record small before
/// zstd sees it. The canonical encodings (fixed-width, big-endian) stay what digests and the store use;
/// these are for the archive alone, and decode to exactly the same values.
///
/// - Sorted keys share their leading bytes with the key before them: a key is the count of shared bytes,
///   then the rest of its canonical encoding.
/// - Integers are varints: a balance of 10^12 takes 6 bytes, not 16.
/// - An account's new value is written as the change from its old value: a transfer's sender is a nonce
///   step of 1 and a balance drop, three or four bytes in all.
/// - Access sets name keys by their index in the record's key table (the change set's keys, then the keys
///   only read), so each key is written once per record.
package enum CompactEncoding {
    // MARK: - Sorted keys

    /// Writes `keys`, which must be strictly increasing, each as (bytes shared with the previous key, the
    /// rest of its canonical encoding).
    static func writeSortedKeys(_ keys: some Sequence<StateKey>, to writer: inout ByteWriter) {
        var previous = [UInt8](repeating: 0, count: StateKey.maximumEncodedSize)
        var previousCount = 0
        for key in keys {
            key.withEncodedBytes { bytes in
                var shared = 0
                while shared < min(bytes.count, previousCount), bytes[shared] == previous[shared] { shared += 1 }
                writer.write(UInt8(shared))
                writer.write(raw: UnsafeRawBufferPointer(rebasing: bytes[shared...]))
                previous.withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
                previousCount = bytes.count
            }
        }
    }

    /// Reads `count` keys written by ``writeSortedKeys(_:to:)``, checking that they strictly increase.
    static func readSortedKeys(count: Int, from reader: inout ByteReader) throws(CodecError) -> [StateKey] {
        var keys: [StateKey] = []
        keys.reserveCapacity(count)
        var previous: [UInt8] = []
        for _ in 0..<count {
            let shared = Int(try reader.readUInt8("shared key bytes"))
            guard shared <= previous.count else {
                throw CodecError.invalidValue(what: "key", reason: "shares \(shared) bytes with a \(previous.count)-byte key")
            }
            var bytes = Array(previous[..<shared])
            if shared == 0 { bytes.append(try reader.readUInt8("state key tag")) }
            guard let kind = StateKey.Kind(rawValue: bytes[0]) else { throw CodecError.unknownTag(what: "state key", tag: bytes[0]) }
            let length = 1 + kind.fieldByteCount
            guard bytes.count <= length else {
                throw CodecError.invalidValue(what: "key", reason: "shares \(shared) bytes with a \(length)-byte key")
            }
            bytes.append(contentsOf: try reader.readSlice(count: length - bytes.count, "state key"))
            let key = try StateKey(encoded: bytes)
            if let last = keys.last, !(last < key) {
                throw CodecError.invalidValue(what: "key list", reason: "keys are not strictly increasing at \(key)")
            }
            keys.append(key)
            previous = bytes
        }
        return keys
    }

    // MARK: - Values

    /// Writes a value: accounts and amounts with varints, the other kinds canonically.
    static func write(_ value: StateValue, to writer: inout ByteWriter) {
        switch value {
        case .account(let account):
            writer.write(UInt8(1))
            writer.writeVarint(account.balance)
            writer.writeVarint(account.nonce)
        case .amount(let amount):
            writer.write(UInt8(2))
            writer.writeVarint(amount)
        default:
            value.encode(to: &writer)
        }
    }

    /// Reads a value written by ``write(_:to:)``.
    static func readValue(from reader: inout ByteReader) throws(CodecError) -> StateValue {
        switch try reader.readUInt8("state value tag") {
        case 1: return .account(Account(balance: try reader.readVarint128("balance"), nonce: try reader.readVarint("nonce")))
        case 2: return .amount(try reader.readVarint128("amount"))
        case 3: return .address(try reader.readAddress())
        case 4: return .word(try reader.readHash("word"))
        case 5: return .bytes(try reader.readLengthPrefixed("value bytes", limit: StateValue.maximumByteCount))
        case let tag: throw CodecError.unknownTag(what: "state value", tag: tag)
        }
    }

    /// The flags byte before a change's values.
    private enum ChangeForm {
        static let hasOld: UInt8 = 1
        static let hasNew: UInt8 = 2
        /// Both values are accounts; the new one is written as the change from the old one.
        static let accountDelta: UInt8 = 4
        /// With `accountDelta`: the balance went down.
        static let balanceDecreased: UInt8 = 8
        static let all: UInt8 = 15
    }

    // MARK: - Change sets

    /// Writes a change set in columns, which zstd compresses better than rows of mixed fields: the count,
    /// the keys, every change's form, then for the account changes written as deltas their old balances
    /// (each as the signed difference from the one before), old nonces, balance steps and nonce steps, and
    /// last the values of the other changes.
    static func write(_ changeSet: ChangeSet, to writer: inout ByteWriter) {
        writer.writeVarint(UInt64(changeSet.count))
        writeSortedKeys(changeSet.changes.lazy.map(\.key), to: &writer)
        var deltas: [(old: Account, new: Account)] = []
        deltas.reserveCapacity(changeSet.count)
        for change in changeSet.changes {
            if case .account(let old)? = change.oldValue, case .account(let new)? = change.newValue {
                writer.write(ChangeForm.hasOld | ChangeForm.hasNew | ChangeForm.accountDelta | (new.balance < old.balance ? ChangeForm.balanceDecreased : 0))
                deltas.append((old, new))
            } else {
                writer.write((change.oldValue == nil ? 0 : ChangeForm.hasOld) | (change.newValue == nil ? 0 : ChangeForm.hasNew))
            }
        }
        var previousBalance: UInt128 = 0
        for delta in deltas {
            writer.writeVarint(zigzag(delta.old.balance &- previousBalance))
            previousBalance = delta.old.balance
        }
        for delta in deltas { writer.writeVarint(delta.old.nonce) }
        for (old, new) in deltas { writer.writeVarint(new.balance < old.balance ? old.balance - new.balance : new.balance - old.balance) }
        for (old, new) in deltas { writer.writeVarint(new.nonce &- old.nonce) }
        for change in changeSet.changes {
            if case .account? = change.oldValue, case .account? = change.newValue { continue }
            if let old = change.oldValue { write(old, to: &writer) }
            if let new = change.newValue { write(new, to: &writer) }
        }
    }

    /// Reads a change set written by ``write(_:to:)``.
    static func readChangeSet(from reader: inout ByteReader) throws(CodecError) -> ChangeSet {
        // A change is at least one shared-bytes count, the rest of a key and a form byte.
        let count = try reader.readVarintCount("changes", minimumElementSize: 2)
        let keys = try readSortedKeys(count: count, from: &reader)
        let forms = try reader.readSlice(count: count, "change forms")
        var deltaCount = 0
        for form in forms {
            guard form & ~ChangeForm.all == 0, form & ChangeForm.balanceDecreased == 0 || form & ChangeForm.accountDelta != 0,
                form & ChangeForm.accountDelta == 0 || form & (ChangeForm.hasOld | ChangeForm.hasNew) == ChangeForm.hasOld | ChangeForm.hasNew
            else { throw CodecError.unknownTag(what: "change form", tag: form) }
            if form & ChangeForm.accountDelta != 0 { deltaCount += 1 }
        }
        var oldAccounts: [Account] = []
        oldAccounts.reserveCapacity(deltaCount)
        var previousBalance: UInt128 = 0
        for _ in 0..<deltaCount {
            previousBalance = previousBalance &+ unzigzag(try reader.readVarint128("old balance"))
            oldAccounts.append(Account(balance: previousBalance))
        }
        for index in 0..<deltaCount { oldAccounts[index].nonce = try reader.readVarint("old nonce") }
        var balanceSteps: [UInt128] = []
        balanceSteps.reserveCapacity(deltaCount)
        for _ in 0..<deltaCount { balanceSteps.append(try reader.readVarint128("balance change")) }
        var changes: [StateChange] = []
        changes.reserveCapacity(count)
        var delta = 0
        for (key, form) in zip(keys, forms) {
            guard form & ChangeForm.accountDelta == 0 else {
                // The nonce steps come after the balance steps: read in this pass, in the same order.
                let old = oldAccounts[delta]
                let step = balanceSteps[delta]
                delta += 1
                let (balance, overflow) =
                    form & ChangeForm.balanceDecreased != 0 ? old.balance.subtractingReportingOverflow(step) : old.balance.addingReportingOverflow(step)
                guard !overflow else { throw CodecError.invalidValue(what: "change of \(key)", reason: "the balance change overflows") }
                let nonce = old.nonce &+ (try reader.readVarint("nonce change"))
                changes.append(StateChange(key: key, oldValue: .account(old), newValue: .account(Account(balance: balance, nonce: nonce))))
                continue
            }
            changes.append(StateChange(key: key, oldValue: nil, newValue: nil))
        }
        for index in changes.indices where forms[forms.startIndex + index] & ChangeForm.accountDelta == 0 {
            let form = forms[forms.startIndex + index]
            changes[index].oldValue = form & ChangeForm.hasOld != 0 ? try readValue(from: &reader) : nil
            changes[index].newValue = form & ChangeForm.hasNew != 0 ? try readValue(from: &reader) : nil
        }
        return ChangeSet(checkedSortedChanges: changes)
    }

    /// A wrapping difference as a varint-friendly number: small differences either way stay small.
    private static func zigzag(_ difference: UInt128) -> UInt128 {
        let signed = Int128(bitPattern: difference)
        return UInt128(bitPattern: (signed << 1) ^ (signed >> 127))
    }

    private static func unzigzag(_ value: UInt128) -> UInt128 {
        (value >> 1) ^ (0 &- (value & 1))
    }

    // MARK: - Receipts

    /// Writes receipts in columns: every status, then every gas figure, then every fee.
    static func write(_ receipts: [Receipt], to writer: inout ByteWriter) {
        for receipt in receipts { writer.writeVarint(UInt64(receipt.status.rawValue)) }
        for receipt in receipts { writer.writeVarint(receipt.gasUsed) }
        for receipt in receipts { writer.writeVarint(receipt.feePaid) }
    }

    /// Reads `count` receipts written by ``write(_:to:)``.
    static func readReceipts(count: Int, from reader: inout ByteReader) throws(CodecError) -> [Receipt] {
        var receipts: [Receipt] = []
        receipts.reserveCapacity(count)
        for _ in 0..<count { receipts.append(Receipt(status: ReceiptStatus(rawValue: try receiptStatus(from: &reader)), gasUsed: 0, feePaid: 0)) }
        for index in 0..<count { receipts[index].gasUsed = try reader.readVarint("gas used") }
        for index in 0..<count { receipts[index].feePaid = try reader.readVarint128("fee paid") }
        return receipts
    }

    /// Writes the receipts' events (for a version 4 record): how many receipts have any, then for each its
    /// index as a gap from the previous one's, its event count and its events.
    static func writeEvents(of receipts: [Receipt], to writer: inout ByteWriter) {
        let indices = receipts.indices.filter { !receipts[$0].events.isEmpty }
        writer.writeVarint(UInt64(indices.count))
        var previous = -1
        for index in indices {
            writer.writeVarint(UInt64(index - previous - 1))
            previous = index
            writer.writeVarint(UInt64(receipts[index].events.count))
            for event in receipts[index].events { event.encode(to: &writer) }
        }
    }

    /// Reads what ``writeEvents(of:to:)`` wrote into `receipts`.
    package static func readEvents(into receipts: inout [Receipt], from reader: inout ByteReader) throws(CodecError) {
        // An entry is at least a gap, a count and one event (emitter, topic count, data length).
        let entries = try reader.readVarintCount("receipts with events", minimumElementSize: 2 + Address.byteCount + 5)
        guard entries > 0, entries <= receipts.count else {
            throw CodecError.invalidValue(what: "archived block", reason: "\(entries) receipts with events of \(receipts.count)")
        }
        var next = 0
        for _ in 0..<entries {
            let gap = try reader.readVarint("receipt index gap")
            guard gap < UInt64(receipts.count - next) else {
                throw CodecError.invalidValue(what: "archived block", reason: "events for a receipt past the last")
            }
            let index = next + Int(gap)
            let count = Int(try reader.readVarint32("receipt event count"))
            guard count > 0 else { throw CodecError.invalidValue(what: "archived block", reason: "receipt \(index) listed with no events") }
            receipts[index].events = try Receipt.readEvents(count: count, from: &reader)
            next = index + 1
        }
    }

    private static func receiptStatus(from reader: inout ByteReader) throws(CodecError) -> UInt16 {
        let value = try reader.readVarint("receipt status")
        guard let status = UInt16(exactly: value) else { throw CodecError.invalidValue(what: "receipt status", reason: "\(value) does not fit in 16 bits") }
        return status
    }

    // MARK: - Access sets

    /// Writes access sets as indices into the key table: `changeSet`'s keys, then the keys they name that it
    /// lacks (written here, sorted).
    static func write(_ accessSets: [AccessSet], keysOf changeSet: ChangeSet, to writer: inout ByteWriter) {
        var indices = StateTable<UInt32>(minimumCapacity: changeSet.count * 2)
        for (index, change) in changeSet.changes.enumerated() { _ = indices.updateValue(UInt32(index), forKey: change.key) }
        var extra = StateTable<Void>()
        for accessSet in accessSets {
            for key in accessSet.reads where indices.slot(of: key) == nil { _ = extra.findOrInsert(key) {} }
            for key in accessSet.writes where indices.slot(of: key) == nil { _ = extra.findOrInsert(key) {} }
        }
        let extraKeys = extra.map { $0.key }.sorted()
        for (offset, key) in extraKeys.enumerated() { _ = indices.updateValue(UInt32(changeSet.count + offset), forKey: key) }
        writer.writeVarint(UInt64(extraKeys.count))
        writeSortedKeys(extraKeys, to: &writer)
        // In columns: the counts, then the read keys' indices, then the written keys'.
        writer.writeVarint(UInt64(accessSets.count))
        for accessSet in accessSets { writer.writeVarint(UInt64(accessSet.reads.count)) }
        for accessSet in accessSets { writer.writeVarint(UInt64(accessSet.writes.count)) }
        for accessSet in accessSets { for key in accessSet.reads { writer.writeVarint(UInt64(indices[key]!)) } }
        for accessSet in accessSets { for key in accessSet.writes { writer.writeVarint(UInt64(indices[key]!)) } }
    }

    /// Reads access sets written by ``write(_:keysOf:to:)``.
    package static func readAccessSets(keysOf changeSet: ChangeSet, from reader: inout ByteReader) throws(CodecError) -> [AccessSet] {
        let extraCount = try reader.readVarintCount("read-only keys", minimumElementSize: 2)
        let table = changeSet.changes.map(\.key) + (try readSortedKeys(count: extraCount, from: &reader))
        let count = try reader.readVarintCount("access sets", minimumElementSize: 2)
        var readCounts: [Int] = []
        var writeCounts: [Int] = []
        for _ in 0..<count { readCounts.append(try reader.readVarintCount("read keys", minimumElementSize: 1)) }
        for _ in 0..<count { writeCounts.append(try reader.readVarintCount("written keys", minimumElementSize: 1)) }
        var accessSets: [AccessSet] = []
        accessSets.reserveCapacity(count)
        for readCount in readCounts {
            accessSets.append(AccessSet(reads: try keys(count: readCount, from: &reader, in: table, "read keys"), writes: []))
        }
        for (index, writeCount) in writeCounts.enumerated() {
            accessSets[index].writes = try keys(count: writeCount, from: &reader, in: table, "written keys")
        }
        return accessSets
    }

    /// Reads `count` varint indices into `table`.
    private static func keys(count: Int, from reader: inout ByteReader, in table: [StateKey], _ what: String) throws(CodecError) -> [StateKey] {
        var keys: [StateKey] = []
        keys.reserveCapacity(count)
        for _ in 0..<count {
            let index = Int(try reader.readVarint32("key index"))
            guard index < table.count else {
                throw CodecError.invalidValue(what: what, reason: "key index \(index) is past the record's \(table.count) keys")
            }
            keys.append(table[index])
        }
        return keys
    }
}
