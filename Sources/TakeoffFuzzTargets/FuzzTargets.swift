import Foundation
import Takeoff
import TakeoffIO

/// Entry points for fuzzing the decoders that read untrusted bytes: the transaction codec and the archive's
/// record reader. Each must end every input with a value or a thrown error, never a trap; a decoded value
/// must also survive a round trip. Used by the `takeoff-fuzz` tool (libFuzzer, or its own driver) and the
/// tests.
package enum FuzzTargets {
    /// Decodes `bytes` as a transaction and, when that works, checks that its encoding decodes back to it.
    package static func transactionCodec(_ bytes: [UInt8]) {
        guard let transaction = try? BuiltinTransaction(encoded: bytes[...]) else { return }
        guard (try? BuiltinTransaction(encoded: transaction.encoded[...])) == transaction else {
            preconditionFailure("a decoded transaction does not survive a round trip")
        }
    }

    /// Reads `bytes` as the archive reads a record: the record header, the zstd frame after it (bounded as
    /// the reader bounds it), and the block encoding inside, each on its own so that every decoder sees
    /// inputs the checksum would otherwise keep from it.
    package static func archiveRecord(_ bytes: [UInt8]) {
        if case .success(let header) = RecordFraming.decodeHeader(Array(bytes.prefix(RecordFraming.headerSize))) {
            precondition(header.contentLength <= RecordFraming.maximumContentLength, "a record header passed with a length over the limit")
        }
        if bytes.count > RecordFraming.headerSize,
            let content = try? Zstd.decompress(Array(bytes.dropFirst(RecordFraming.headerSize)), limit: 1 << 20)
        {
            decodeBlock(content)
        }
        if bytes.count > RecordFraming.headerSize,
            let changes = try? Zstd.decompressFirstFrame(Array(bytes.dropFirst(RecordFraming.headerSize)), limit: 1 << 20)
        {
            decodeBlock(changes)
        }
        decodeBlock(bytes)
    }

    private static func decodeBlock(_ bytes: [UInt8]) {
        if let changes = try? ArchivedChanges(encodedPrefix: bytes),
            (try? ArchivedChanges(encodedPrefix: ArchivedBlock<BuiltinTransaction>(
                header: changes.header, transactions: [], receipts: [], changeSet: changes.changeSet, accessSets: []).encodedParts.changes))
                != changes
        {
            preconditionFailure("decoded archived changes do not survive a round trip")
        }
        guard let block = try? ArchivedBlock<BuiltinTransaction>(encoded: bytes) else { return }
        guard (try? ArchivedBlock<BuiltinTransaction>(encoded: block.encoded)) == block else {
            preconditionFailure("a decoded archived block does not survive a round trip")
        }
    }

    /// Seeds for each target: valid encodings to mutate.
    package static func corpus(for target: String) -> [[UInt8]] {
        let sender = Address(space: 1, index: 1)
        let transactions = [
            BuiltinTransaction(sender: sender, nonce: 0, fee: 21_000, gasLimit: 21_000, payload: .transfer(to: Address(space: 1, index: 2), amount: 5)),
            BuiltinTransaction(
                sender: sender, nonce: 9, fee: 1, gasLimit: 90_000,
                payload: .swap(pool: Address(space: 9, index: 0), tokenIn: Address(space: 7, index: 0), amountIn: 1 << 100, minimumOut: 1)),
            BuiltinTransaction(sender: sender, nonce: 3, fee: 7, gasLimit: 40_000, payload: .counterIncrement(counter: sender, amount: 4)),
        ]
        switch target {
        case "codec": return transactions.map { $0.encoded }
        default:
            let genesis = Genesis(entries: [(.account(sender), .account(Account(balance: 1_000)))])
            let executed = ExecutedBlock(
                context: BlockContext(number: 1, timestamp: 12, feeCollector: .zero), parent: genesis.head, transactions: transactions,
                receipts: transactions.map { _ in Receipt(status: .success, gasUsed: 21_000, feePaid: 21_000) },
                changeSet: ChangeSet(unsorted: [StateChange(key: .account(sender), oldValue: .account(Account(balance: 1_000)), newValue: .account(Account(balance: 900, nonce: 1)))]))
            return [ArchivedBlock(genesis), ArchivedBlock(executed)].flatMap { block -> [[UInt8]] in
                // As the archive writes a record: the changes part and the body, one frame each.
                let parts = block.encodedParts
                let content = parts.changes + parts.body
                guard let frame = try? Zstd.compress(parts.changes) + Zstd.compress(parts.body) else { return [content] }
                let header = RecordFraming.Header(block: block.number, frameLength: frame.count, contentLength: content.count, checksum: Hash32.sha256(frame))
                return [content, RecordFraming.encodeHeader(header) + frame]
            }
        }
    }
}
