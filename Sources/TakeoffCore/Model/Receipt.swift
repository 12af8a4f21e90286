/// How a transaction ended: a code that only the chain's rules and logic give a meaning to, except
/// ``success`` (zero). Every failure still produces a receipt; none stops the block.
///
/// A chain names its own codes as constants, for instance in an extension of its logic:
///
/// ```swift
/// extension ReceiptStatus {
///     static let proposalClosed = ReceiptStatus(rawValue: 100)
/// }
/// ```
public struct ReceiptStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code, as receipts encode it.
    public let rawValue: UInt16

    /// The status with code `rawValue`.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The transaction succeeded. The only code the engine itself gives a meaning to.
    public static let success = ReceiptStatus(rawValue: 0)

    /// Whether the transaction succeeded.
    public var isSuccess: Bool { self == .success }

    /// "success", or the code; the built-in chain's names come from `BuiltinTransactionLogic.name(of:)`.
    public var description: String { isSuccess ? "success" : "status \(rawValue)" }
}

/// The outcome of one transaction.
public struct Receipt: Hashable, Sendable {
    /// How it ended.
    public var status: ReceiptStatus
    /// Gas used by the payload (the gas limit when it ran out).
    public var gasUsed: UInt64
    /// The fee moved to the fee collector; zero when the envelope checks failed.
    public var feePaid: UInt128
    /// The events the payload announced, in the order it announced them; none when it failed.
    public var events: [ReceiptEvent]

    /// The most events one receipt holds.
    public static let maximumEvents = 256

    /// Creates a receipt.
    /// - Precondition: at most ``maximumEvents`` events.
    public init(status: ReceiptStatus, gasUsed: UInt64, feePaid: UInt128, events: [ReceiptEvent] = []) {
        precondition(events.count <= Self.maximumEvents, "a receipt holds at most \(Self.maximumEvents) events")
        self.status = status
        self.gasUsed = gasUsed
        self.feePaid = feePaid
        self.events = events
    }

    /// The format version written before an encoded receipt without events. One with events is written as
    /// ``formatVersionWithEvents``, so that chains whose receipts hold none encode (and commit to) exactly
    /// what they did before events existed.
    public static let formatVersion: UInt8 = 2
    /// The format version of a receipt with events: version 2's fields, then the event count (16 bits) and
    /// the events (``ReceiptEvent``).
    public static let formatVersionWithEvents: UInt8 = 3

    /// Appends the canonical encoding.
    package func encode(to writer: inout ByteWriter) {
        writer.write(events.isEmpty ? Self.formatVersion : Self.formatVersionWithEvents)
        writer.write(status.rawValue)
        writer.write(gasUsed)
        writer.write(feePaid)
        guard !events.isEmpty else { return }
        writer.write(UInt16(events.count))
        for event in events { event.encode(to: &writer) }
    }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 32)
        encode(to: &writer)
        return writer.bytes
    }

    /// Reads one receipt.
    /// - Throws: ``CodecError`` on any malformed input.
    package static func decode(from reader: inout ByteReader) throws(CodecError) -> Receipt {
        let version = try reader.readUInt8("receipt version")
        guard version == formatVersion || version == formatVersionWithEvents else {
            throw CodecError.unsupportedVersion(what: "receipt", version: version)
        }
        let status = ReceiptStatus(rawValue: try reader.readUInt16("receipt status"))
        var receipt = Receipt(status: status, gasUsed: try reader.readUInt64("gas used"), feePaid: try reader.readUInt128("fee paid"))
        if version == formatVersionWithEvents {
            receipt.events = try readEvents(count: Int(try reader.readUInt16("receipt event count")), from: &reader)
            guard !receipt.events.isEmpty else {
                throw CodecError.invalidValue(what: "receipt", reason: "version \(version) with no events")
            }
        }
        return receipt
    }

    /// Reads `count` events, refusing more than ``maximumEvents``.
    /// - Throws: ``CodecError`` on malformed input or too many events.
    package static func readEvents(count: Int, from reader: inout ByteReader) throws(CodecError) -> [ReceiptEvent] {
        guard count <= maximumEvents else {
            throw CodecError.invalidValue(what: "receipt", reason: "\(count) events, more than \(maximumEvents)")
        }
        var events: [ReceiptEvent] = []
        events.reserveCapacity(count)
        for _ in 0..<count { events.append(try ReceiptEvent.decode(from: &reader)) }
        return events
    }

    /// Decodes a receipt that fills `bytes` exactly.
    /// - Throws: ``CodecError`` on malformed or trailing bytes.
    public init(encoded bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        self = try Self.decode(from: &reader)
        try reader.expectEnd(of: "receipt")
    }
}
