import CLatticeHash
import Crypto
import Foundation
import Testing
@testable import Takeoff
@testable import TakeoffArchive
@testable import TakeoffCore
@testable import TakeoffStore

/// The little-endian words of 32 key bytes.
func keyWords(_ bytes: [UInt8]) -> [UInt32] {
    (0..<8).map { word -> UInt32 in
        var value: UInt32 = 0
        for byte in 0..<4 { value |= UInt32(bytes[word * 4 + byte]) << UInt32(8 * byte) }
        return value
    }
}

/// The commitment's kernels: each one the processor has against the portable one, RFC 8439's published vector
/// and swift-crypto; the choice of kernels from the environment.
@Suite struct LatticeKernelTests {
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

    // Each vector kernel the processor has against the portable one; one it lacks is skipped, saying so.

    @Test(.enabled(if: CommitmentKernels.Expansion.avx2.isSupported, "this processor has no AVX2: that expansion is not checked here"))
    func theAVX2ExpansionIsThePortableOne() { expectSameLanesAsPortable(.avx2) }

    @Test(.enabled(if: CommitmentKernels.Expansion.avx512.isSupported, "this processor has no AVX-512F: that expansion is not checked here"))
    func theAVX512ExpansionIsThePortableOne() { expectSameLanesAsPortable(.avx512) }

    @Test(.enabled(if: CommitmentKernels.Expansion.neon.isSupported, "this processor has no NEON (not arm64): that expansion is not checked here"))
    func theNEONExpansionIsThePortableOne() { expectSameLanesAsPortable(.neon) }

    /// For any count (none, a tail alone, whole vectors, whole vectors and a tail) and either sign.
    func expectSameLanesAsPortable(_ expansion: CommitmentKernels.Expansion) {
        var random = SystemRandomNumberGenerator()
        for count in [0, 1, 3, 4, 7, 8, 15, 16, 17, 100, 1_000] {
            let seeds = (0..<count * 32).map { _ in UInt8.random(in: 0...255, using: &random) }
            var results: [[UInt64]] = []
            for kernel in [CommitmentKernels.Expansion.portable, expansion] {
                var lanes = (0..<StateCommitment.laneCount).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 }
                takeoff_lattice_accumulate(kernel.kernel, seeds, count, StateCommitment.laneCount / 8, 0, &lanes)
                takeoff_lattice_accumulate(kernel.kernel, seeds, count / 2, StateCommitment.laneCount / 8, 1, &lanes)
                results.append(lanes)
            }
            #expect(results[0] == results[1], "\(expansion) with \(count) seeds")
        }
    }

    @Test(.enabled(if: CommitmentKernels.PairHash.shaNI.isSupported, "this processor has no SHA-NI: that hashing is not checked here"))
    func theSHANIHashIsSwiftCryptos() throws { try expectSwiftCryptosDigests(.shaNI) }

    @Test(.enabled(if: CommitmentKernels.PairHash.avx2.isSupported, "this processor has no AVX2: that hashing is not checked here"))
    func theAVX2HashIsSwiftCryptos() throws { try expectSwiftCryptosDigests(.avx2) }

    @Test(.enabled(if: CommitmentKernels.PairHash.avx512.isSupported, "this processor has no AVX-512F: that hashing is not checked here"))
    func theAVX512HashIsSwiftCryptos() throws { try expectSwiftCryptosDigests(.avx512) }

    @Test(.enabled(if: CommitmentKernels.PairHash.neon.isSupported, "this processor has no NEON (not arm64): that hashing is not checked here"))
    func theNEONHashIsSwiftCryptos() throws { try expectSwiftCryptosDigests(.neon) }

    /// Every length up to the two-block limit (the one- and two-block paddings and the boundary at 55/56 bytes), in
    /// batches that fill the lanes and leave a part-filled last group, with longer messages among them, which the
    /// kernel must leave alone.
    func expectSwiftCryptosDigests(_ pairHash: CommitmentKernels.PairHash) throws {
        let kernel = try #require(pairHash.kernel)
        var random = SystemRandomNumberGenerator()
        let longest = Int(TAKEOFF_PAIR_HASH_MAXIMUM_LENGTH)
        // The last batch holds every length from 0 to 9 past the limit once (7 is prime to its size, 129).
        for batch in [1, 5, 16, 37, longest + 10] {
            let lengths = (0..<batch).map { UInt32(($0 * 7 + batch) % (longest + 10)) }
            var starts: [UInt32] = []
            var messages: [UInt8] = []
            for length in lengths {
                starts.append(UInt32(messages.count))
                messages += (0..<Int(length)).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
            let untouched = [UInt8](repeating: 0xA5, count: 32)
            var digests = [UInt8](repeating: 0xA5, count: batch * 32)
            takeoff_pair_hash_batch(kernel, messages, starts, lengths, batch, &digests)
            for member in 0..<batch {
                let message = Array(messages[Int(starts[member])..<Int(starts[member] + lengths[member])])
                let expected = lengths[member] <= longest ? Array(SHA256.hash(data: message)) : untouched
                #expect(Array(digests[member * 32..<member * 32 + 32]) == expected, "\(pairHash), length \(lengths[member])")
            }
        }
    }

    /// A batch of pairs, with values from empty to longer than two SHA-256 blocks, commits the same with every
    /// pair of kernels the processor has, through the seeds and through the whole commitment.
    @Test func everyKernelThisProcessorHasGivesTheSameCommitment() {
        var changes: [StateChange] = []
        var messages = StateCommitment.PairMessages(capacity: 300)
        for index in 0..<300 {
            let value: StateValue = index % 3 == 0
                ? .bytes([UInt8](repeating: UInt8(index % 256), count: index)) : .account(Account(balance: UInt128(index), nonce: 3))
            let key = StateKey.account(Address(space: 1, index: UInt64(index)))
            messages.append(key, value)
            changes.append(StateChange(key: key, oldValue: index % 2 == 0 ? .account(Account(balance: 1, nonce: 1)) : nil, newValue: value))
        }
        let expectedSeeds = messages.seeds(using: .library)
        var expected = StateCommitment.empty
        expected.apply(changes: changes, kernels: .portable)
        var checked: [CommitmentKernels] = []
        for expansion in CommitmentKernels.Expansion.allCases where expansion.isSupported {
            for pairHash in CommitmentKernels.PairHash.allCases where pairHash.isSupported {
                let kernels = CommitmentKernels(expansion: expansion, pairHash: pairHash)
                #expect(messages.seeds(using: pairHash) == expectedSeeds, "\(kernels)")
                var commitment = StateCommitment.empty
                commitment.apply(changes: changes, kernels: kernels)
                #expect(commitment == expected, "\(kernels)")
                checked.append(kernels)
            }
        }
        #expect(checked.contains(.portable) && checked.contains(.fastest))
    }

    // Choosing the kernels.

    @Test func theActiveKernelsAreTheEnvironmentsAndTheProcessorRunsThem() throws {
        #expect(CommitmentKernels.active == (try CommitmentKernels.fromEnvironment()))
        #expect(CommitmentKernels.active.isSupported)
        #expect(CommitmentKernels.fastest.isSupported)
    }

    @Test func theEnvironmentForcesAFamilyOrTheHashingAlone() throws {
        #expect(try CommitmentKernels.fromEnvironment([:]) == .fastest)
        #expect(try CommitmentKernels.fromEnvironment(["TAKEOFF_KERNEL": "portable"]) == .portable)
        let fastestHash = CommitmentKernels.fastest.pairHash
        let mixed = try CommitmentKernels.fromEnvironment(["TAKEOFF_KERNEL": "portable", "TAKEOFF_SHA256_KERNEL": fastestHash.rawValue])
        #expect(mixed == CommitmentKernels(expansion: .portable, pairHash: fastestHash))
        for expansion in CommitmentKernels.Expansion.allCases where expansion != .portable && expansion.isSupported {
            let forced = try CommitmentKernels.fromEnvironment(["TAKEOFF_KERNEL": expansion.rawValue])
            #expect(forced.expansion == expansion && forced.pairHash.rawValue == expansion.rawValue)
        }
    }

    @Test func aKernelThisProcessorLacksIsRefusedSayingWhatItCanRun() throws {
        // Every processor lacks one family: arm64 has no AVX2, x86-64 no NEON.
        let lacking = try #require(CommitmentKernels.Expansion.allCases.first { !$0.isSupported })
        let runnable = CommitmentKernels.Expansion.allCases.filter(\.isSupported).map(\.rawValue)
        #expect(throws: KernelSelectionError(variable: "TAKEOFF_KERNEL", value: lacking.rawValue, problem: .unsupported(runnable))) {
            try CommitmentKernels.fromEnvironment(["TAKEOFF_KERNEL": lacking.rawValue])
        }
        let error = KernelSelectionError(variable: "TAKEOFF_KERNEL", value: lacking.rawValue, problem: .unsupported(runnable))
        #expect(error.description.hasPrefix("TAKEOFF_KERNEL=\(lacking.rawValue): this processor cannot run that kernel"))
        let lackingHash = try #require(CommitmentKernels.PairHash.allCases.first { !$0.isSupported })
        #expect(throws: KernelSelectionError.self) { try CommitmentKernels.fromEnvironment(["TAKEOFF_SHA256_KERNEL": lackingHash.rawValue]) }
    }

    @Test func aNameThatIsNoKernelIsRefusedWithTheNames() {
        #expect(throws: KernelSelectionError(variable: "TAKEOFF_KERNEL", value: "sse9", problem: .unknown(["portable", "avx2", "avx512", "neon"]))) {
            try CommitmentKernels.fromEnvironment(["TAKEOFF_KERNEL": "sse9"])
        }
        #expect(throws: KernelSelectionError.self) { try CommitmentKernels.fromEnvironment(["TAKEOFF_SHA256_KERNEL": "md5"]) }
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
