/// What the node floor (the pipeline, recovery, replay and unwind) needs of a state store: its head, consistent
/// read views, batched and merged block commits, a whole-state load, and unwinding with its record.
///
/// The LMDB store (`LMDBStateStore`, in TakeoffStore) and `InMemoryStateStore` (in TakeoffNode) conform; a chain with storage
/// of its own conforms its store and gets the whole floor. Every method may be called from any thread, one
/// writer at a time: the pipeline commits from one stage while another reads through ``withReadView(_:)``.
///
/// A store checks what it is given before writing anything: block numbers follow its head, parent hashes chain,
/// the commitment matches the last header. A commit that throws writes nothing.
public protocol StateStore: AnyObject, Sendable {
    /// A consistent view of the committed state, valid inside ``withReadView(_:)``.
    associatedtype ReadView: StateReadView

    /// Where the store lives (a directory, a database file), for messages.
    var location: String { get }

    /// The head block, its hash and the commitment, or nil before any state is loaded.
    func head() throws -> StoreHead?

    /// Runs `body` with a view of the state as of the latest commit. The view may be read from several threads
    /// at once and must not be used after `body` returns; do not commit inside `body`.
    /// - Throws: ``StateStoreFault/empty(location:)`` before any state is loaded, or what `body` throws.
    func withReadView<Result>(_ body: (ReadView) throws -> Result) throws -> Result

    /// Writes a genesis block (block 0) into an empty store, trusting the commitment `genesis` computed.
    /// - Returns: the genesis head.
    func initialize(_ genesis: Genesis) throws -> StoreHead

    /// Loads a whole state into an empty store, streamed: the entries chunk by chunk in increasing key order,
    /// then the head that `head` gives for what was loaded (its summary: block 0's header as these entries would
    /// make it, their commitment and count). `head` throws to refuse the state, and no head is written then; an
    /// interrupted load leaves a store without a head, which the next load starts over.
    /// - Throws: ``GenesisError/unsortedKeys(key:after:)`` for keys out of order; what `next` or `head` throws.
    func load(chunks next: () throws -> [(StateKey, StateValue)]?, head: (GenesisSummary) throws -> StoreHead) throws -> StoreHead

    /// Commits consecutive blocks atomically: each block's changes in turn, and the last block as the head.
    /// - Parameters:
    ///   - blocks: each block's header and change set; the first follows the head, each names the previous as
    ///     its parent.
    ///   - commitment: the commitment after the last block, already computed; it must match the last header.
    /// - Returns: the new head.
    func commit(blocks: [(header: BlockHeader, changeSet: ChangeSet)], commitment: StateCommitment) throws -> StoreHead

    /// Commits a merged range of blocks (their change sets merged into one) atomically, with `header`, the
    /// range's last header, as the head. An unwind cannot stop inside the range.
    /// - Parameters:
    ///   - header: the range's last header.
    ///   - firstBlock: the range's first block, the head's plus one.
    ///   - changeSet: the range's change sets merged into one.
    ///   - commitment: the commitment after the range, already computed; it must match `header`.
    /// - Returns: the new head.
    func commit(mergedRange header: BlockHeader, firstBlock: UInt64, changeSet: ChangeSet, commitment: StateCommitment) throws -> StoreHead

    /// Rolls the state back to right after `block`, and records the unwind (``unwindRecord()``).
    /// - Returns: the new head.
    func unwind(to block: UInt64) throws -> StoreHead

    /// The last unwind not yet cleared: blocks a log beside the store still holds, that must not be re-applied
    /// without being asked.
    func unwindRecord() throws -> UnwindRecord?

    /// Forgets the unwind record, once the blocks it undid are gone from the log too.
    func clearUnwindRecord() throws

    /// How much space the store takes, for metrics; nil for a store that does not say.
    func storageUsage() throws -> StorageUsage?
}

extension StateStore {
    /// Says nothing: a store without usage figures.
    public func storageUsage() throws -> StorageUsage? { nil }
}

/// A consistent view of a ``StateStore``'s committed state, safe to read from several threads at once.
public protocol StateReadView: StateReader {
    /// The head the view was taken at.
    var head: StoreHead { get }
    /// The number of keys in the state.
    func keyCount() throws -> Int
    /// Calls `body` with every (key, value) pair in increasing key order.
    func forEachEntry(_ body: (StateKey, StateValue) throws -> Void) throws
}

/// An unwind a store remembers: the head it started from (the highest, over several unwinds) and the block it
/// went back to.
public struct UnwindRecord: Hashable, Sendable, Codable {
    /// The head before the first of the unwinds.
    public var from: UInt64
    /// The block the last unwind went back to.
    public var to: UInt64

    /// Creates a record.
    public init(from: UInt64, to: UInt64) {
        self.from = from
        self.to = to
    }
}

/// How much of its storage a state store uses: what an operator watches to see a store grow, and what a
/// compaction would win back.
public struct StorageUsage: Sendable, Hashable, Codable {
    /// The bytes reserved for the store (an LMDB map: its data file's size).
    public var mapBytes: Int
    /// The size of a page of storage.
    public var pageSize: Int
    /// The pages up to the last one written: the part of the storage in use.
    public var pagesInUse: Int
    /// Pages within those that are free for reuse.
    public var freePages: Int

    /// Creates usage figures.
    public init(mapBytes: Int, pageSize: Int, pagesInUse: Int, freePages: Int) {
        self.mapBytes = mapBytes
        self.pageSize = pageSize
        self.pagesInUse = pagesInUse
        self.freePages = freePages
    }

    /// The bytes in use, free pages included.
    public var bytesInUse: Int { pagesInUse * pageSize }
}

/// Why a ``StateStore`` refused an operation, in terms every store shares. A store may throw errors of its own
/// as well (storage failures, corruption).
public enum StateStoreFault: Error, Hashable, Sendable, CustomStringConvertible {
    /// The store holds no state yet.
    case empty(location: String)
    /// A whole-state load was asked of a store that holds state up to block `head`.
    case alreadyLoaded(location: String, head: UInt64)
    /// A block does not follow the head: `got` is not `expected`.
    case unexpectedBlock(expected: UInt64, got: UInt64)
    /// A block's parent hash is not the hash of the block before it.
    case parentMismatch(block: UInt64, expected: Hash32, found: Hash32)
    /// The commitment given is not the one the header records.
    case commitmentMismatch(block: UInt64, header: Hash32, computed: Hash32)
    /// A change's previous value is not what the store holds: the change set was computed over another state.
    case staleChange(block: UInt64, key: StateKey, expected: StateValue?, found: StateValue?)
    /// The state cannot be unwound to `block`.
    case historyUnavailable(block: UInt64, reason: String)

    public var description: String {
        switch self {
        case .empty(let location): "state store \(location) has no genesis state"
        case .alreadyLoaded(let location, let head): "state store \(location) is already initialized (head block \(head))"
        case .unexpectedBlock(let expected, let got): "expected block \(expected), got block \(got)"
        case .parentMismatch(let block, let expected, let found):
            "block \(block): parent hash \(found.hex) is not the head's hash \(expected.hex)"
        case .commitmentMismatch(let block, let header, let computed):
            "block \(block): header commitment \(header.hex) but the change set gives \(computed.hex)"
        case .staleChange(let block, let key, let expected, let found):
            "block \(block) does not apply: \(key) holds \(found.map { "\($0)" } ?? "nothing"), "
                + "the change set expects \(expected.map { "\($0)" } ?? "nothing")"
        case .historyUnavailable(let block, let reason): "cannot unwind to block \(block): \(reason)"
        }
    }
}
