import Dispatch

/// Pre-execution authentication: independent per transaction, so it runs on every core, once per block.
public enum Authentication {
    /// Each transaction's ``ChainRules/authenticate(_:)`` answer, in order: nil for an authentic one, the
    /// rejecting status otherwise.
    /// - Parameters:
    ///   - transactions: the block's transactions.
    ///   - rules: the chain's rules.
    ///   - threads: how many threads may check at once.
    public static func check<Rules: ChainRules>(
        _ transactions: [Rules.Transaction], rules: Rules, threads: Int
    ) -> [ReceiptStatus?] {
        let chunkSize = 256
        let chunkCount = (transactions.count + chunkSize - 1) / chunkSize
        guard threads > 1, chunkCount > 1 else { return transactions.map(rules.authenticate) }
        let results = ConcurrentResults<[ReceiptStatus?]>(count: chunkCount, initial: [])
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let range = chunk * chunkSize..<min(transactions.count, (chunk + 1) * chunkSize)
            results[chunk] = transactions[range].map(rules.authenticate)
        }
        return results.values.flatMap { $0 }
    }
}
