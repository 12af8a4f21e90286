import Crypto

/// Deterministic CPU work: chained SHA-256, the unit of compute calls and of `--work-per-tx`.
public enum DeterministicWork {
    /// SHA-256 of `seed`, then `rounds` more SHA-256 rounds over the 32-byte result.
    public static func chain(seed: [UInt8], rounds: Int) -> Hash32 {
        var digest = SHA256.hash(data: seed)
        for _ in 0..<rounds {
            digest = digest.withUnsafeBytes { SHA256.hash(data: $0) }
        }
        return digest.withUnsafeBytes { Hash32(digestBytes: $0) }
    }
}
