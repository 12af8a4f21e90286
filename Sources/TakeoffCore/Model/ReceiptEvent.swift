/// Something a transaction announced while it ran, kept in its receipt: who announced it, up to
/// ``maximumTopics`` 32-byte topics to find it by, and data.
///
/// Events belong to the receipt and so to ``BlockHeader/receiptsDigest``: they are part of the result that
/// parallel and sequential execution must agree on. A failed payload keeps none, as it keeps none of its writes.
public struct ReceiptEvent: Hashable, Sendable {
    /// The account (for a contract, its address) that announced the event.
    public var emitter: Address
    /// What the event is about, most general first by convention (the first usually names the kind of event).
    public var topics: [Hash32]
    /// The event's data, opaque to the engine.
    public var data: [UInt8]

    /// The most topics an event has.
    public static let maximumTopics = 4
    /// The longest data an event has.
    public static let maximumDataSize = 16 << 10

    /// Creates an event.
    /// - Precondition: at most ``maximumTopics`` topics and ``maximumDataSize`` bytes of data: a logic that
    ///   makes events from untrusted input checks both first.
    public init(emitter: Address, topics: [Hash32], data: [UInt8]) {
        precondition(topics.count <= Self.maximumTopics, "an event has at most \(Self.maximumTopics) topics")
        precondition(data.count <= Self.maximumDataSize, "an event's data is at most \(Self.maximumDataSize) bytes")
        self.emitter = emitter
        self.topics = topics
        self.data = data
    }

    /// Appends the canonical encoding: the emitter, the topic count (one byte) and topics, the data's length
    /// (32 bits) and data.
    package func encode(to writer: inout ByteWriter) {
        writer.write(emitter)
        writer.write(UInt8(topics.count))
        for topic in topics { writer.write(topic) }
        writer.write(lengthPrefixed: data)
    }

    /// Reads one event.
    /// - Throws: ``CodecError`` on malformed input, too many topics or too much data.
    package static func decode(from reader: inout ByteReader) throws(CodecError) -> ReceiptEvent {
        let emitter = try reader.readAddress("event emitter")
        let topicCount = Int(try reader.readUInt8("event topic count"))
        guard topicCount <= maximumTopics else {
            throw CodecError.invalidValue(what: "event", reason: "\(topicCount) topics, more than \(maximumTopics)")
        }
        var topics: [Hash32] = []
        topics.reserveCapacity(topicCount)
        for _ in 0..<topicCount { topics.append(try reader.readHash("event topic")) }
        let data = try reader.readLengthPrefixed("event data", limit: maximumDataSize)
        return ReceiptEvent(emitter: emitter, topics: topics, data: data)
    }
}
