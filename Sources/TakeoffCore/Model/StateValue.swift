/// The value stored under a ``StateKey``. An absent key reads as `nil`.
public enum StateValue: Hashable, Sendable {
    /// An account's balance and nonce.
    case account(Account)
    /// An amount: a token balance, a counter, a total supply.
    case amount(UInt128)
    /// An address: a token's minter, a pool's tokens.
    case address(Address)
    /// A 32-byte word: the state of a compute contract.
    case word(Hash32)
    /// Opaque bytes, for a chain team's own values.
    case bytes([UInt8])

    /// The longest `bytes` value the codec accepts.
    public static let maximumByteCount = 1 << 20

    /// The balance if this is an account, the amount if it is an amount.
    public var amountValue: UInt128? {
        switch self {
        case .account(let account): account.balance
        case .amount(let amount): amount
        default: nil
        }
    }

    /// Appends the canonical encoding.
    package func encode(to writer: inout ByteWriter) {
        switch self {
        case .account(let account):
            writer.write(UInt8(1))
            writer.write(account.balance)
            writer.write(account.nonce)
        case .amount(let amount):
            writer.write(UInt8(2))
            writer.write(amount)
        case .address(let address):
            writer.write(UInt8(3))
            writer.write(address)
        case .word(let word):
            writer.write(UInt8(4))
            writer.write(word)
        case .bytes(let bytes):
            writer.write(UInt8(5))
            writer.write(lengthPrefixed: bytes)
        }
    }

    /// The size of an account's encoding: the tag, the balance and the nonce.
    static let accountEncodedSize = 1 + 16 + 8

    /// Calls `body` with the canonical encoding; an account's (the common value) is written into a buffer of
    /// its own, with no heap allocation.
    package func withEncodedBytes<Result, Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Result) throws(Failure) -> Result {
        guard case .account(let account) = self else {
            let bytes = encoded
            return try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) -> Result in try body(UnsafeRawBufferPointer(buffer)) }
        }
        var fields = (UInt8(1), account.balance.bigEndian, account.nonce.bigEndian)
        return try withUnsafeMutableBytes(of: &fields) { (buffer) throws(Failure) -> Result in
            // The tuple's padding sits between the tag and the balance: close the gap.
            let balanceOffset = MemoryLayout<(UInt8, UInt128, UInt64)>.offset(of: \.1)!
            buffer.baseAddress!.advanced(by: 1).copyMemory(from: buffer.baseAddress!.advanced(by: balanceOffset), byteCount: 24)
            return try body(UnsafeRawBufferPointer(rebasing: buffer[..<Self.accountEncodedSize]))
        }
    }

    /// Decodes a value that fills `bytes` exactly, reading an account's encoding in place.
    /// - Throws: ``CodecError`` on malformed or trailing bytes.
    package init(encodedBytes bytes: UnsafeRawBufferPointer) throws(CodecError) {
        if bytes.count == Self.accountEncodedSize, bytes[0] == 1 {
            let balance = UInt128(bigEndian: bytes.loadUnaligned(fromByteOffset: 1, as: UInt128.self))
            let nonce = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 17, as: UInt64.self))
            self = .account(Account(balance: balance, nonce: nonce))
        } else {
            try self.init(encoded: Array(bytes))
        }
    }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 32)
        encode(to: &writer)
        return writer.bytes
    }

    /// Reads one value.
    /// - Throws: ``CodecError`` on a short input, an unknown tag or an oversized byte string.
    package static func decode(from reader: inout ByteReader) throws(CodecError) -> StateValue {
        switch try reader.readUInt8("state value tag") {
        case 1: return .account(Account(balance: try reader.readUInt128("balance"), nonce: try reader.readUInt64("nonce")))
        case 2: return .amount(try reader.readUInt128("amount"))
        case 3: return .address(try reader.readAddress())
        case 4: return .word(try reader.readHash("word"))
        case 5: return .bytes(try reader.readLengthPrefixed("value bytes", limit: maximumByteCount))
        case let tag: throw CodecError.unknownTag(what: "state value", tag: tag)
        }
    }

    /// Decodes a value that fills `bytes` exactly.
    /// - Throws: ``CodecError`` on malformed or trailing bytes.
    public init(encoded bytes: [UInt8]) throws(CodecError) {
        var reader = ByteReader(bytes)
        self = try Self.decode(from: &reader)
        try reader.expectEnd(of: "state value")
    }
}
