import Crypto
import Dispatch
import Foundation
import TakeoffCore
import TakeoffBuiltinChain

/// The accounts of a generated workload: a logical index per account, its address, and (for signed
/// workloads) its Ed25519 key.
///
/// Signed accounts live at the address of their key, derived from the index, so a transaction can prove
/// its sender. Unsigned accounts skip the key derivation (about 20 µs each), which matters for benchmarks
/// over a million accounts; their transactions carry zero signatures and must run with signature checks
/// off.
public final class AccountBook: @unchecked Sendable {
    // @unchecked: the key cache is guarded by `lock`.
    /// Whether transactions are signed.
    public let signed: Bool
    private let space: UInt32
    private let lock = NSLock()
    private var keys: [Int: Curve25519.Signing.PrivateKey] = [:]
    private var addresses: [Int: Address] = [:]

    /// Creates a book; `space` separates the address families of different books.
    public init(signed: Bool, space: UInt32) {
        self.signed = signed
        self.space = space
    }

    /// The address of account `index`.
    public func address(_ index: Int) -> Address {
        guard signed else { return Address(space: space, index: UInt64(index)) }
        lock.lock()
        defer { lock.unlock() }
        if let address = addresses[index] { return address }
        let key = Self.deriveKey(space: space, index: index)
        let address = Address(publicKey: try! PublicKeyBytes(key.publicKey.rawRepresentation))
        keys[index] = key
        addresses[index] = address
        return address
    }

    /// The addresses of accounts `0..<count`, derived on every core.
    public func addresses(count: Int) -> [Address] {
        guard signed else { return (0..<count).map(address) }
        let chunk = 1024
        let results = ConcurrentResults<[(Int, Curve25519.Signing.PrivateKey, Address)]>(count: (count + chunk - 1) / chunk, initial: [])
        DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { part in
            results[part] = (part * chunk..<min(count, (part + 1) * chunk)).map { index in
                let key = Self.deriveKey(space: space, index: index)
                return (index, key, Address(publicKey: try! PublicKeyBytes(key.publicKey.rawRepresentation)))
            }
        }
        lock.lock()
        defer { lock.unlock() }
        for (index, key, address) in results.values.joined() {
            keys[index] = key
            addresses[index] = address
        }
        return (0..<count).map { addresses[$0]! }
    }

    /// `transaction` signed by account `index` (unchanged for an unsigned book).
    public func sign(_ transaction: BuiltinTransaction, by index: Int) -> BuiltinTransaction {
        guard signed else { return transaction }
        _ = address(index)
        lock.lock()
        let key = keys[index]!
        lock.unlock()
        // Signing with a well-formed key cannot fail.
        return try! transaction.signed(by: key)
    }

    private static func deriveKey(space: UInt32, index: Int) -> Curve25519.Signing.PrivateKey {
        var writer = ByteWriter(capacity: 48)
        writer.write(raw: Array("takeoff/workload-key".utf8))
        writer.write(space)
        writer.write(UInt64(index))
        // 32 bytes of SHA-256 are always a valid Ed25519 seed.
        return try! Curve25519.Signing.PrivateKey(rawRepresentation: Array(SHA256.hash(data: writer.bytes)))
    }
}
