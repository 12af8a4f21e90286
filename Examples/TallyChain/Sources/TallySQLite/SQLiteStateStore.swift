import Foundation
import GRDB
import TakeoffCore

/// The tally chain's state in SQLite, through GRDB: a `StateStore` of the chain's own, on which Takeoff's node
/// floor (the pipeline, recovery, replay, unwind) runs as it does on the LMDB store.
///
/// Tables: `state` (encoded key → encoded value), `head` (one row: block, hash, commitment), `history` (each
/// commit's first and last block, the hash before it and its change set with the previous values, for unwinding)
/// and `unwound` (the unwind record). Every commit is one SQLite transaction: after a crash the store holds a
/// commit entirely or not at all. The database is in WAL mode, so that read views (GRDB snapshots) see the state
/// as of their start while a commit goes on.
public final class SQLiteStateStore: StateStore {
    private let pool: DatabasePool
    public let location: String

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws {
        location = path
        pool = try DatabasePool(path: path)
        try pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS state (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS head (id INTEGER PRIMARY KEY CHECK (id = 0), block INTEGER NOT NULL, hash TEXT NOT NULL,
                        commitment BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS history (last INTEGER PRIMARY KEY, first INTEGER NOT NULL, parent TEXT NOT NULL,
                        changes BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS unwound (id INTEGER PRIMARY KEY CHECK (id = 0), fromBlock INTEGER NOT NULL,
                        toBlock INTEGER NOT NULL);
                    """)
        }
    }

    public func head() throws -> StoreHead? { try pool.read { try Self.head(in: $0) } }

    /// A consistent view: a GRDB snapshot, which holds one read transaction open (concurrent readers share it,
    /// one at a time).
    public struct ReadView: StateReadView {
        let snapshot: DatabaseSnapshot
        public let head: StoreHead

        public func value(for key: StateKey) throws -> StateValue? {
            try snapshot.read { db in try SQLiteStateStore.value(for: key, in: db) }
        }

        public func keyCount() throws -> Int { try snapshot.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM state") ?? 0 } }

        public func forEachEntry(_ body: (StateKey, StateValue) throws -> Void) throws {
            // SQLite orders BLOBs bytewise, and a key's encoding sorts as the key does.
            try snapshot.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT key, value FROM state ORDER BY key")
                while let row = try rows.next() {
                    let key = try StateKey(encoded: [UInt8](row["key"] as Data))
                    try body(key, try StateValue(encoded: [UInt8](row["value"] as Data)))
                }
            }
        }
    }

    public func withReadView<Result>(_ body: (ReadView) throws -> Result) throws -> Result {
        let snapshot = try pool.makeSnapshot()
        guard let head = try snapshot.read({ try Self.head(in: $0) }) else { throw StateStoreFault.empty(location: location) }
        return try body(ReadView(snapshot: snapshot, head: head))
    }

    public func initialize(_ genesis: Genesis) throws -> StoreHead {
        var entries: [(StateKey, StateValue)]? = genesis.changeSet.changes.map { ($0.key, $0.newValue!) }
        return try load(chunks: { defer { entries = nil }; return entries }) { _ in genesis.head }
    }

    public func load(chunks next: () throws -> [(StateKey, StateValue)]?, head: (GenesisSummary) throws -> StoreHead) throws -> StoreHead {
        try pool.write { db in
            if let existing = try Self.head(in: db) { throw StateStoreFault.alreadyLoaded(location: location, head: existing.block) }
            try db.execute(sql: "DELETE FROM state")
        }
        var builder = GenesisBuilder()
        while let chunk = try next() {
            try builder.add(chunk)
            try pool.write { db in
                for (key, value) in chunk {
                    try db.execute(sql: "INSERT INTO state (key, value) VALUES (?, ?)", arguments: [Data(key.encoded), Data(value.encoded)])
                }
            }
        }
        let loaded = try head(builder.finish())
        try pool.write { db in try Self.write(head: loaded, in: db) }
        return loaded
    }

    public func commit(blocks: [(header: BlockHeader, changeSet: ChangeSet)], commitment: StateCommitment) throws -> StoreHead {
        try pool.write { db in
            guard var parent = try Self.head(in: db) else { throw StateStoreFault.empty(location: location) }
            for (header, changeSet) in blocks {
                guard header.number == parent.block + 1 else { throw StateStoreFault.unexpectedBlock(expected: parent.block + 1, got: header.number) }
                guard header.parentHash == parent.blockHash else {
                    throw StateStoreFault.parentMismatch(block: header.number, expected: parent.blockHash, found: header.parentHash)
                }
                try Self.apply(changeSet.changes, block: header.number, in: db)
                try Self.record(first: header.number, last: header.number, parent: parent.blockHash, changeSet: changeSet, in: db)
                parent = StoreHead(block: header.number, blockHash: header.hash, commitment: commitment)
            }
            try Self.check(commitment, against: blocks[blocks.count - 1].header)
            try Self.write(head: parent, in: db)
            return parent
        }
    }

    public func commit(mergedRange header: BlockHeader, firstBlock: UInt64, changeSet: ChangeSet, commitment: StateCommitment) throws -> StoreHead {
        try pool.write { db in
            guard let current = try Self.head(in: db) else { throw StateStoreFault.empty(location: location) }
            guard firstBlock == current.block + 1, header.number >= firstBlock else {
                throw StateStoreFault.unexpectedBlock(expected: current.block + 1, got: firstBlock)
            }
            try Self.check(commitment, against: header)
            try Self.apply(changeSet.changes, block: header.number, in: db)
            try Self.record(first: firstBlock, last: header.number, parent: current.blockHash, changeSet: changeSet, in: db)
            let head = StoreHead(block: header.number, blockHash: header.hash, commitment: commitment)
            try Self.write(head: head, in: db)
            return head
        }
    }

    public func unwind(to block: UInt64) throws -> StoreHead {
        try pool.write { db in
            guard let current = try Self.head(in: db) else { throw StateStoreFault.empty(location: location) }
            var head = current
            while head.block > block {
                guard let row = try Row.fetchOne(db, sql: "SELECT first, parent, changes FROM history WHERE last = ?", arguments: [head.block]) else {
                    throw StateStoreFault.historyUnavailable(block: head.block, reason: "no history recorded for it")
                }
                let first: UInt64 = row["first"]
                guard first > block else {
                    throw StateStoreFault.historyUnavailable(block: block, reason: "blocks \(first)...\(head.block) were committed as one merged range")
                }
                let changeSet = try ChangeSet(encoded: [UInt8](row["changes"] as Data))
                let inverse = changeSet.changes.map { StateChange(key: $0.key, oldValue: $0.newValue, newValue: $0.oldValue) }
                try Self.apply(inverse, block: head.block, in: db)
                try db.execute(sql: "DELETE FROM history WHERE last = ?", arguments: [head.block])
                var commitment = head.commitment
                commitment.apply(changes: inverse)
                head = StoreHead(block: first - 1, blockHash: try Hash32(hex: row["parent"] as String), commitment: commitment)
            }
            if head.block < current.block {
                let from = max(current.block, try UInt64.fetchOne(db, sql: "SELECT fromBlock FROM unwound") ?? 0)
                try db.execute(sql: "INSERT OR REPLACE INTO unwound (id, fromBlock, toBlock) VALUES (0, ?, ?)", arguments: [from, head.block])
            }
            try Self.write(head: head, in: db)
            return head
        }
    }

    public func unwindRecord() throws -> UnwindRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT fromBlock, toBlock FROM unwound").map { UnwindRecord(from: $0["fromBlock"], to: $0["toBlock"]) }
        }
    }

    public func clearUnwindRecord() throws { try pool.write { try $0.execute(sql: "DELETE FROM unwound") } }

    private static func head(in db: Database) throws -> StoreHead? {
        guard let row = try Row.fetchOne(db, sql: "SELECT block, hash, commitment FROM head") else { return nil }
        return StoreHead(
            block: row["block"], blockHash: try Hash32(hex: row["hash"] as String),
            commitment: try StateCommitment(encoded: [UInt8](row["commitment"] as Data)))
    }

    private static func write(head: StoreHead, in db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO head (id, block, hash, commitment) VALUES (0, ?, ?, ?)",
            arguments: [head.block, head.blockHash.hex, Data(head.commitment.encoded)])
    }

    private static func value(for key: StateKey, in db: Database) throws -> StateValue? {
        guard let bytes = try Data.fetchOne(db, sql: "SELECT value FROM state WHERE key = ?", arguments: [Data(key.encoded)]) else { return nil }
        return try StateValue(encoded: [UInt8](bytes))
    }

    /// Writes changes after checking each previous value (a throw rolls the whole transaction back).
    private static func apply(_ changes: [StateChange], block: UInt64, in db: Database) throws {
        for change in changes {
            let stored = try value(for: change.key, in: db)
            guard stored == change.oldValue else {
                throw StateStoreFault.staleChange(block: block, key: change.key, expected: change.oldValue, found: stored)
            }
            if let newValue = change.newValue {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", arguments: [Data(change.key.encoded), Data(newValue.encoded)])
            } else {
                try db.execute(sql: "DELETE FROM state WHERE key = ?", arguments: [Data(change.key.encoded)])
            }
        }
    }

    private static func record(first: UInt64, last: UInt64, parent: Hash32, changeSet: ChangeSet, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO history (last, first, parent, changes) VALUES (?, ?, ?, ?)",
            arguments: [last, first, parent.hex, Data(changeSet.encoded)])
    }

    private static func check(_ commitment: StateCommitment, against header: BlockHeader) throws {
        guard commitment.digest == header.stateCommitment else {
            throw StateStoreFault.commitmentMismatch(block: header.number, header: header.stateCommitment, computed: commitment.digest)
        }
    }
}
