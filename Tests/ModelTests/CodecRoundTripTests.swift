import Testing
@testable import Takeoff
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

@Suite struct CodecRoundTripTests {
    @Test func stateKeysRoundTrip() throws {
        for key in Samples.keys { #expect(try StateKey(encoded: key.encoded) == key) }
    }

    @Test func stateValuesRoundTrip() throws {
        for value in Samples.values { #expect(try StateValue(encoded: value.encoded) == value) }
    }

    @Test func transactionsRoundTripEveryPayload() throws {
        for transaction in Samples.transactions {
            #expect(try BuiltinTransaction(encoded: transaction.encoded) == transaction)
        }
    }

    @Test func receiptsRoundTripEveryStatus() throws {
        for status in Samples.statuses {
            let receipt = Receipt(status: status, gasUsed: 21_000, feePaid: Samples.large)
            #expect(try Receipt(encoded: receipt.encoded) == receipt)
        }
    }

    @Test func receiptsWithEventsRoundTripAndOnlyTheyChangeVersion() throws {
        let plain = Receipt(status: .success, gasUsed: 21_000, feePaid: Samples.large)
        #expect(plain.encoded.first == Receipt.formatVersion)
        #expect(plain.encoded.count == 1 + 2 + 8 + 16, "a receipt without events is encoded as before events existed")
        var eventful = plain
        eventful.events = Samples.events
        #expect(eventful.encoded.first == Receipt.formatVersionWithEvents)
        #expect(try Receipt(encoded: eventful.encoded) == eventful)
        #expect(BlockHeader.receiptsDigest([plain]) != BlockHeader.receiptsDigest([eventful]), "the header commits to the events")
        eventful.events = Array(repeating: Samples.events[0], count: Receipt.maximumEvents)
        #expect(try Receipt(encoded: eventful.encoded) == eventful)
    }

    @Test func headersBlocksAndChangeSetsRoundTrip() throws {
        #expect(try BlockHeader(encoded: Samples.header.encoded) == Samples.header)
        #expect(try Block<BuiltinTransaction>(encoded: Samples.block.encoded) == Samples.block)
        #expect(try ChangeSet(encoded: Samples.changeSet.encoded) == Samples.changeSet)
    }

    @Test func commitmentRoundTrips() throws {
        var commitment = StateCommitment.empty
        commitment.insert(Samples.keys[0], Samples.values[0])
        #expect(try StateCommitment(encoded: commitment.encoded) == commitment)
    }

    @Test func keyOrderMatchesEncodedByteOrder() {
        var generator = SystemRandomNumberGenerator()
        var keys = Samples.keys
        for _ in 0..<200 {
            let address = Address(high: generator.next() % 3, middle: generator.next() % 3, low: UInt32(generator.next() % 3))
            keys.append(.account(address))
            keys.append(.tokenBalance(token: address, holder: Samples.alice))
            keys.append(.contractSlot(contract: address, slot: generator.next() % 4))
        }
        for left in keys {
            for right in keys.prefix(40) {
                #expect((left < right) == left.encoded.lexicographicallyPrecedes(right.encoded), "\(left) vs \(right)")
            }
        }
    }

    @Test func hexRoundTripsAndRejectsGarbage() throws {
        let address = try Address(hex: "0xA1e4380A3B1F749673E270229993EE55F35663b4")
        #expect(address.description == "0xa1e4380a3b1f749673e270229993ee55f35663b4")
        #expect(throws: CodecError.self) { try Address(hex: "0x12") }
        #expect(throws: CodecError.self) { try Address(hex: "zz" + String(repeating: "0", count: 38)) }
        #expect(throws: CodecError.self) { try HexEncoding.decode("abc") }
    }

    @Test func unsupportedVersionsAreRejected() {
        var bytes = Samples.transactions[0].encoded
        bytes[0] = 99
        #expect(throws: CodecError.unsupportedVersion(what: "transaction", version: 99)) { try BuiltinTransaction(encoded: bytes) }
    }

    @Test func changeSetsWithUnsortedKeysAreRejected() {
        var writer = ByteWriter()
        writer.write(ChangeSet.formatVersion)
        writer.write(UInt32(2))
        for key in [StateKey.account(Samples.bob), .account(Samples.alice)] {
            key.encode(to: &writer)
            writer.write(UInt8(0))
            writer.write(UInt8(0))
        }
        #expect(throws: CodecError.self) { try ChangeSet(encoded: writer.bytes) }
    }
}
