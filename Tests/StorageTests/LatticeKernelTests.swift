import CLatticeHash
import Crypto
import Foundation
import Testing
@testable import Takeoff
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

/// The commitment's own kernel, against RFC 8439's published vector and swift-crypto's ChaCha20.
/// The little-endian words of 32 key bytes.
func keyWords(_ bytes: [UInt8]) -> [UInt32] {
    (0..<8).map { word -> UInt32 in
        var value: UInt32 = 0
        for byte in 0..<4 { value |= UInt32(bytes[word * 4 + byte]) << UInt32(8 * byte) }
        return value
    }
}

@Suite(.serialized) struct LatticeKernelTests {
    /// RFC 8439, section 2.3.2: key 00 01 .. 1f, nonce 00 00 00 09 00 00 00 4a 00 00 00 00, counter 1.
    @Test func theRFC8439BlockTestVector() {
        let key = keyWords((0..<32).map { UInt8($0) })
        var block = [UInt32](repeating: 0, count: 16)
        takeoff_chacha20_block(key, 1, [0x0900_0000, 0x4a00_0000, 0], &block)
        let expected: [UInt32] = [
            0xe4e7_f110, 0x1559_3bd1, 0x1fdd_0f50, 0xc471_20a3, 0xc7f4_d1c7, 0x0368_c033, 0x9aaa_2204, 0x4e6c_d4c3,
            0x4664_82d2, 0x09aa_9f07, 0x05d7_c214, 0xa202_8bd9, 0xd19c_12b5, 0xb94e_16de, 0xe883_d0cb, 0x4e3c_50a2,
        ]
        #expect(block == expected)
    }

    /// ChaCha20-Poly1305 (RFC 8439) encrypts with keystream blocks 1, 2, ...: sealing zeros under the same key
    /// and a zero nonce reveals swift-crypto's keystream, which must be the kernel's.
    @Test func theKernelsKeystreamIsSwiftCryptosChaCha20() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let keyBytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
            let sealed = try ChaChaPoly.seal(
                [UInt8](repeating: 0, count: 64 * 9), using: SymmetricKey(data: keyBytes),
                nonce: try ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)))
            let library = [UInt8](sealed.ciphertext)
            let key = keyWords(keyBytes)
            var ours: [UInt8] = []
            for counter in UInt32(1)...9 {
                var block = [UInt32](repeating: 0, count: 16)
                takeoff_chacha20_block(key, counter, [0, 0, 0], &block)
                for word in block { ours += [UInt8(word & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word >> 16 & 0xFF), UInt8(word >> 24)] }
            }
            #expect(ours == library)
        }
    }

    /// The vector path (16 seeds across AVX-512 lanes) and the portable path give the same lanes, for any
    /// count (whole vectors and a tail) and either sign.
    @Test(arguments: [1, 15, 16, 17, 100, 1_000])
    func theVectorAndPortablePathsAgree(count: Int) {
        var random = SystemRandomNumberGenerator()
        let seeds = (0..<count * 32).map { _ in UInt8.random(in: 0...255, using: &random) }
        var results: [[UInt64]] = []
        for portable in [Int32(1), 0] {
            takeoff_lattice_force_portable(portable)
            var lanes = (0..<StateCommitment.laneCount).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 }
            takeoff_lattice_accumulate(seeds, count, StateCommitment.laneCount / 8, 0, &lanes)
            takeoff_lattice_accumulate(seeds, count / 2, StateCommitment.laneCount / 8, 1, &lanes)
            results.append(lanes)
        }
        takeoff_lattice_force_portable(0)
        #expect(results[0] == results[1])
    }

    /// Sixteen SHA-256 digests at once, for every length up to the two-block limit (the one- and two-block
    /// paddings and the boundary at 55/56 bytes), are swift-crypto's.
    @Test func theVectorSHA256IsSwiftCryptos() throws {
        try #require(takeoff_sha256_x16_available() != 0, "this machine has no AVX-512; the portable path is the library")
        var random = SystemRandomNumberGenerator()
        for round in 0..<8 {
            let lengths = (0..<16).map { lane in UInt32((round * 16 + lane) % (Int(TAKEOFF_SHA256_X16_MAXIMUM_LENGTH) + 1)) }
            var starts: [UInt32] = []
            var messages: [UInt8] = []
            for length in lengths {
                starts.append(UInt32(messages.count))
                messages += (0..<Int(length)).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            var digests = [UInt8](repeating: 0, count: 16 * 32)
            takeoff_sha256_x16(messages, starts, lengths, &digests)
            for lane in 0..<16 {
                let message = Array(messages[Int(starts[lane])..<Int(starts[lane] + lengths[lane])])
                #expect(Array(digests[lane * 32..<lane * 32 + 32]) == Array(SHA256.hash(data: message)), "length \(lengths[lane])")
            }
        }
    }

    /// The seeds of a batch of pairs, vectorized or not, are the same.
    @Test func aBatchsSeedsDoNotDependOnThePath() {
        var messages = StateCommitment.PairMessages(capacity: 100)
        for index in 0..<100 {
            // Values from empty to longer than two SHA-256 blocks, so that both paths are taken in one batch.
            let value: StateValue = index % 3 == 0 ? .bytes([UInt8](repeating: UInt8(index), count: index)) : .account(Account(balance: UInt128(index), nonce: 3))
            messages.append(.account(Address(space: 1, index: UInt64(index))), value)
        }
        #expect(messages.seeds(vectorized: true) == messages.seeds(vectorized: false))
    }

    /// A pair's lanes are its seed's ChaCha20 keystream (blocks 0 to 9, nonce zero), as documented.
    @Test func aPairsLanesAreItsSeedsKeystream() {
        let key = StateKey.account(Address(space: 3, index: 4))
        let value = StateValue.account(Account(balance: 17, nonce: 2))
        var commitment = StateCommitment.empty
        commitment.insert(key, value)
        let seed = StateCommitment.seed(key, value)
        let words = keyWords(seed)
        var expected: [UInt64] = []
        for counter in UInt32(0)..<UInt32(StateCommitment.laneCount / 8) {
            var block = [UInt32](repeating: 0, count: 16)
            takeoff_chacha20_block(words, counter, [0, 0, 0], &block)
            for pair in 0..<8 { expected.append(UInt64(block[2 * pair]) | UInt64(block[2 * pair + 1]) << 32) }
        }
        #expect(commitment.lanes == expected)
        #expect(StateCommitment.laneCount * 64 >= 4_096)
    }
}
