import Takeoff

/// One value of every model type, with every enum case, for the codec tests.
enum Samples {
    static let alice = Address(space: 7, index: 1)
    static let bob = Address(space: 7, index: 2)
    static let large: UInt128 = .max - 12_345

    static let keys: [StateKey] = [
        .account(alice),
        .tokenBalance(token: bob, holder: alice),
        .contractSlot(contract: alice, slot: .max),
        .custom(namespace: 513, id: Hash32(w0: 1, w1: 2, w2: 3, w3: .max)),
    ]

    static let values: [StateValue] = [
        .account(Account(balance: large, nonce: 42)),
        .amount(large),
        .address(bob),
        .word(Hash32(w0: 9, w1: 8, w2: 7, w3: 6)),
        .bytes([1, 2, 3, 255]),
        .bytes([]),
    ]

    static let payloads: [BuiltinPayload] = [
        .transfer(to: bob, amount: large),
        .tokenTransfer(token: alice, to: bob, amount: 5),
        .tokenMint(token: alice, to: bob, amount: 6),
        .swap(pool: alice, tokenIn: bob, amountIn: 7, minimumOut: 8),
        .counterIncrement(counter: alice, amount: 9),
        .compute(contract: bob, value: 10, rounds: 11),
        .createAccount(address: bob, value: 12),
    ]

    static var transactions: [BuiltinTransaction] {
        payloads.enumerated().map { index, payload in
            BuiltinTransaction(sender: alice, nonce: UInt64(index), fee: large, gasLimit: 100_000, payload: payload)
        }
    }

    static let statuses: [ReceiptStatus] = [
        .success, .badSignature, .badNonce, .insufficientFee, .insufficientBalance, .overflow, .outOfGas, .unauthorized,
        .accountExists, .slippage, .invalidPayload, ReceiptStatus(rawValue: 4242), ReceiptStatus(rawValue: .max),
    ]

    /// Events at the edges of their limits: no topics and no data, every topic, the longest data.
    static var events: [ReceiptEvent] {
        [
            ReceiptEvent(emitter: alice, topics: [], data: []),
            ReceiptEvent(emitter: bob, topics: (0..<ReceiptEvent.maximumTopics).map { Hash32.sha256([UInt8($0)]) }, data: [1, 2, 3]),
            ReceiptEvent(emitter: .zero, topics: [Hash32.sha256([9])], data: [UInt8](repeating: 0xEE, count: ReceiptEvent.maximumDataSize)),
        ]
    }

    static var header: BlockHeader {
        BlockHeader(
            context: BlockContext(number: 12, timestamp: 1_700_000_000, feeCollector: bob),
            parentHash: Hash32(w0: 1, w1: 1, w2: 1, w3: 1), transactionCount: UInt32(transactions.count),
            transactionsDigest: Block<BuiltinTransaction>.transactionsDigest(transactions), receiptsDigest: Hash32(w0: 2, w1: 2, w2: 2, w3: 2),
            changeSetDigest: Hash32(w0: 3, w1: 3, w2: 3, w3: 3), stateCommitment: Hash32(w0: 4, w1: 4, w2: 4, w3: 4))
    }

    static var block: Block<BuiltinTransaction> { Block(header: header, transactions: transactions) }

    static var changeSet: ChangeSet {
        ChangeSet(unsorted: zip(keys, values).map { StateChange(key: $0, oldValue: nil, newValue: $1) } + [
            StateChange(key: .account(bob), oldValue: .amount(1), newValue: nil)
        ])
    }
}
