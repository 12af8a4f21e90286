import Dispatch

/// Pre-execution signature checks: independent per transaction, so they run on every core.
public enum SignatureVerifier {
    /// Whether each transaction's signature is valid, in order.
    /// - Parameter threads: how many threads may verify at once.
    public static func verify(_ transactions: [Transaction], threads: Int) -> [Bool] {
        let chunkSize = 256
        let chunkCount = (transactions.count + chunkSize - 1) / chunkSize
        guard threads > 1, chunkCount > 1 else { return transactions.map(\.hasValidSignature) }
        let results = ConcurrentResults<[Bool]>(count: chunkCount, initial: [])
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let range = chunk * chunkSize..<min(transactions.count, (chunk + 1) * chunkSize)
            results[chunk] = transactions[range].map(\.hasValidSignature)
        }
        return results.values.flatMap { $0 }
    }
}
