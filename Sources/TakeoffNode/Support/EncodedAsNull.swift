/// An optional report field that is encoded as `null` when it is nil, instead of being left out (synthesized
/// `Encodable` leaves nil fields out): scripts reading a report can rely on every key being there.
@propertyWrapper
public struct EncodedAsNull<Value: Encodable & Sendable>: Encodable, Sendable {
    /// The field's value.
    public var wrappedValue: Value?

    /// Wraps a value.
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}
