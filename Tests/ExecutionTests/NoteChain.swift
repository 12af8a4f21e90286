import Takeoff

/// A small chain of the tests' own, with its own transaction type and envelope rules, for logics that are
/// not the built-in one: a sender, a nonce, a kind and some bytes; no signatures; a flat fee of 1 paid to
/// a treasury key.
struct NoteTransaction: ChainTransaction {
    var sender: Address
    var nonce: UInt64
    var kind: UInt16
    var data: [UInt8]
    var gasLimit: UInt64 = 100

    func encode(into bytes: inout [UInt8]) {
        withUnsafeBytes(of: sender.high.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: sender.middle.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: sender.low.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: nonce.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: kind.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: gasLimit.bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: data)
    }

    init(sender: Address, nonce: UInt64, kind: UInt16, data: [UInt8]) {
        self.sender = sender
        self.nonce = nonce
        self.kind = kind
        self.data = data
    }

    init(encoded bytes: ArraySlice<UInt8>) throws(CodecError) {
        guard bytes.count >= 38 else { throw CodecError.truncated(what: "note transaction", needed: 38, remaining: bytes.count) }
        var cursor = bytes.startIndex
        func word<T: FixedWidthInteger>(_: T.Type) -> T {
            var value: T = 0
            for _ in 0..<MemoryLayout<T>.size {
                value = value << 8 | T(bytes[cursor])
                cursor += 1
            }
            return value
        }
        sender = Address(high: word(UInt64.self), middle: word(UInt64.self), low: word(UInt32.self))
        nonce = word(UInt64.self)
        kind = word(UInt16.self)
        gasLimit = word(UInt64.self)
        data = Array(bytes[cursor...])
    }
}

/// The note chain's envelope: the sender's account nonce, and a fee of 1 credited to ``treasury``.
struct NoteRules: ChainRules {
    static let treasury = StateKey.custom(namespace: 9, id: .zero)
    static let badNonce = ReceiptStatus(rawValue: 200)

    func authenticate(_ transaction: NoteTransaction) -> ReceiptStatus? { nil }

    func chargeEnvelope(
        _ transaction: NoteTransaction, in block: BlockContext, state: inout TransactionState
    ) throws(ExecutionInterrupted) -> EnvelopeOutcome {
        guard case .account(var sender)? = try state.read(.account(transaction.sender)), sender.nonce == transaction.nonce,
            sender.balance >= 1
        else { return .rejected(Self.badNonce) }
        sender.nonce += 1
        sender.balance -= 1
        state.write(.account(transaction.sender), .account(sender))
        state.credit(Self.treasury, 1)
        return .charged(fee: 1)
    }

    func forEachEnvelopeWrite(of transaction: NoteTransaction, _ body: (StateKey) -> Void) { body(.account(transaction.sender)) }
}
