import Testing
import TakeoffWorkloads
@testable import Takeoff
import TakeoffFuzzTargets
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

/// Decoders must answer any damaged input with an error (or, for a flip that lands in a value, a different
/// well-formed value), never a trap.
@Suite struct MalformedInputTests {
    /// Every encoding in the samples, with a decoder for it.
    static var encodings: [(name: String, bytes: [UInt8], decode: @Sendable ([UInt8]) throws -> Any)] {
        let fixed: [(name: String, bytes: [UInt8], decode: @Sendable ([UInt8]) throws -> Any)] = [
            ("block", Samples.block.encoded, { try Block<BuiltinTransaction>(encoded: $0) }),
            ("header", Samples.header.encoded, { try BlockHeader(encoded: $0) }),
            ("change set", Samples.changeSet.encoded, { try ChangeSet(encoded: $0) }),
            (
                "receipt with events", Receipt(status: .success, gasUsed: 1, feePaid: 2, events: Array(Samples.events.prefix(2))).encoded,
                { try Receipt(encoded: $0) }
            ),
        ]
        return fixed
            + Samples.transactions.map { ("transaction", $0.encoded, { try BuiltinTransaction(encoded: $0) }) }
        + Samples.values.map { ("value", $0.encoded, { try StateValue(encoded: $0) }) }
        + Samples.keys.map { ("key", $0.encoded, { try StateKey(encoded: $0) }) }
        + Samples.statuses.map { ("receipt", Receipt(status: $0, gasUsed: 1, feePaid: 2).encoded, { try Receipt(encoded: $0) }) }
    }

    @Test func everyTruncationIsAnError() {
        var checked = 0
        for encoding in Self.encodings {
            for length in 0..<encoding.bytes.count {
                #expect(throws: CodecError.self, "\(encoding.name) cut to \(length) bytes") {
                    _ = try encoding.decode(Array(encoding.bytes.prefix(length)))
                }
                checked += 1
            }
        }
        #expect(checked > 500)
    }

    @Test func trailingBytesAreAnError() {
        for encoding in Self.encodings {
            #expect(throws: CodecError.self) { _ = try encoding.decode(encoding.bytes + [0]) }
        }
    }

    @Test func randomBitFlipsNeverTrap() throws {
        var random = SeededGenerator(seed: 20_261_121)
        var rejected = 0
        var flips = 0
        for encoding in Self.encodings {
            for _ in 0..<60 {
                var bytes = encoding.bytes
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    let index = Int(random.next() % UInt64(bytes.count))
                    bytes[index] ^= UInt8(1 << (random.next() % 8))
                }
                flips += 1
                do { _ = try encoding.decode(bytes) } catch is CodecError { rejected += 1 }
            }
        }
        #expect(flips >= 1_000)
        // Tags, versions, lengths and counts are everywhere: a good share of flips must be caught.
        #expect(rejected > flips / 10)
    }

    @Test func forgedHugeCountsAreRejectedWithoutAllocating() {
        var writer = ByteWriter()
        writer.write(ChangeSet.formatVersion)
        writer.write(UInt32.max)
        #expect(throws: CodecError.self) { try ChangeSet(encoded: writer.bytes) }
        var valueWriter = ByteWriter()
        valueWriter.write(UInt8(5))
        valueWriter.write(UInt32.max)
        #expect(throws: CodecError.self) { try StateValue(encoded: valueWriter.bytes) }
    }

    @Test func forgedEventsAreRefused() {
        /// A version 3 receipt with `count` events, each `event` (already encoded).
        func receipt(count: UInt16, event: (inout ByteWriter) -> Void) -> [UInt8] {
            var writer = ByteWriter()
            writer.write(Receipt.formatVersionWithEvents)
            writer.write(UInt16(0))
            writer.write(UInt64(1))
            writer.write(UInt128(2))
            writer.write(count)
            for _ in 0..<count { event(&writer) }
            return writer.bytes
        }
        func event(topics: Int, dataLength: UInt32) -> (inout ByteWriter) -> Void {
            { writer in
                writer.write(Address.zero)
                writer.write(UInt8(topics))
                for _ in 0..<topics { writer.write(Hash32.zero) }
                writer.write(dataLength)
                writer.write(raw: [UInt8](repeating: 0, count: Int(min(dataLength, 1 << 20))))
            }
        }
        #expect(throws: Never.self) { try Receipt(encoded: receipt(count: 1, event: event(topics: 4, dataLength: 16 << 10))) }
        let forged: [(String, [UInt8])] = [
            ("version 3 with no events", receipt(count: 0, event: event(topics: 0, dataLength: 0))),
            ("too many events", receipt(count: UInt16(Receipt.maximumEvents) + 1, event: event(topics: 0, dataLength: 0))),
            ("too many topics", receipt(count: 1, event: event(topics: ReceiptEvent.maximumTopics + 1, dataLength: 0))),
            ("too much data", receipt(count: 1, event: event(topics: 0, dataLength: UInt32(ReceiptEvent.maximumDataSize) + 1))),
            ("a data length past the bytes", Array(receipt(count: 1, event: event(topics: 0, dataLength: 100)).dropLast(1))),
        ]
        for (name, bytes) in forged {
            #expect(throws: CodecError.self, "\(name)") { try Receipt(encoded: bytes) }
        }
    }
}

/// The fuzz targets on their corpus and 10,000 mutated inputs each: no trap, no failed round trip.
@Suite struct FuzzTargetTests {
    @Test(arguments: ["codec", "archive"])
    func tenThousandMutatedInputsEndInAValueOrAnError(target: String) {
        #expect(FuzzDriver.run(target, runs: 10_000, seed: 20_261_121) >= 10_000)
    }
}
