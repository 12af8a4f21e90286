import Takeoff
import TakeoffCore

/// `takeoff inspect --archive A --block N`: one archived block's header, receipts and events.
extension InspectCommand {
    func listBlock(_ number: UInt64, of archive: BlockArchive) throws {
        let block = try archive.read(number, as: EncodedTransaction.self)
        let listing = BlockListing(block)
        if json {
            print(try jsonLine(listing))
            return
        }
        print("Block \(listing.block) (hash \(listing.hash), parent \(listing.parentHash)): \(listing.transactions) transactions, \(listing.events) events")
        for receipt in listing.receipts {
            print("  \(receipt.index): \(receipt.status), \(receipt.gasUsed) gas, fee \(receipt.feePaid)")
            for event in receipt.events {
                print("    event from \(event.emitter): topics [\(event.topics.joined(separator: ", "))], data \(event.data.isEmpty ? "none" : event.data)")
            }
        }
    }

    /// What `inspect --block` prints, and its JSON form.
    struct BlockListing: Encodable {
        var block: UInt64
        var hash: String
        var parentHash: String
        var transactions: Int
        var events: Int
        var receipts: [ReceiptListing]

        struct ReceiptListing: Encodable {
            var index: Int
            /// The built-in chain's name for the status.
            var status: String
            var gasUsed: UInt64
            /// In decimal: it may pass 2^64.
            var feePaid: String
            var events: [EventListing]
        }

        struct EventListing: Encodable {
            /// `0x` and 40 hex digits.
            var emitter: String
            /// 64 hex digits each.
            var topics: [String]
            /// Hex, without a prefix.
            var data: String
        }

        init(_ archived: ArchivedBlock<EncodedTransaction>) {
            block = archived.header.number
            hash = archived.header.hash.hex
            parentHash = archived.header.parentHash.hex
            transactions = archived.transactions.count
            receipts = archived.receipts.enumerated().map { index, receipt in
                ReceiptListing(
                    index: index, status: BuiltinTransactionLogic.name(of: receipt.status), gasUsed: receipt.gasUsed,
                    feePaid: String(receipt.feePaid),
                    events: receipt.events.map {
                        EventListing(emitter: $0.emitter.description, topics: $0.topics.map(\.hex), data: HexEncoding.encode($0.data))
                    })
            }
            events = receipts.reduce(0) { $0 + $1.events.count }
        }
    }
}
