@testable import TakeoffCore

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
        var writer = ByteWriter()
        writer.write(sender)
        writer.write(nonce)
        writer.write(kind)
        writer.write(gasLimit)
        writer.write(raw: data)
        bytes.append(contentsOf: writer.bytes)
    }

    init(sender: Address, nonce: UInt64, kind: UInt16, data: [UInt8]) {
        self.sender = sender
        self.nonce = nonce
        self.kind = kind
        self.data = data
    }

    init(encoded bytes: ArraySlice<UInt8>) throws(CodecError) {
        var reader = ByteReader(bytes)
        sender = try reader.readAddress("sender")
        nonce = try reader.readUInt64("nonce")
        kind = try reader.readUInt16("kind")
        gasLimit = try reader.readUInt64("gas limit")
        data = try reader.readBytes(count: reader.remaining, "data")
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
