import CLatticeHash
import Foundation

/// The kernels that compute the ``StateCommitment`` on this processor: one hashes the pairs' messages with SHA-256,
/// one expands each digest with ChaCha20 and sums the keystreams into the lanes.
///
/// Every kernel gives the same bits; they differ in speed and in the instructions they need, which are checked when
/// the process asks for them (CPUID and the registers the operating system saves on x86-64, the auxiliary vector
/// on Linux/arm64), so no kernel runs on a processor that lacks its instructions. By default a process uses the
/// ``fastest`` kernels its processor has; `TAKEOFF_KERNEL` forces a family for both parts (`portable`, `avx2`,
/// `avx512`, `neon`) and `TAKEOFF_SHA256_KERNEL` the hashing alone (`swift-crypto`, `sha-ni`, `avx2`, `avx512`,
/// `neon`), for tests and measurements; a kernel the processor cannot run is refused (``fromEnvironment(_:)``).
public struct CommitmentKernels: Hashable, Sendable, CustomStringConvertible {
    /// The ChaCha20 expansion and lane accumulation.
    public enum Expansion: String, CaseIterable, Sendable {
        /// Plain C, one seed at a time: every processor.
        case portable
        /// 8 seeds at a time across 256-bit lanes (x86-64 with AVX2).
        case avx2
        /// 16 seeds at a time across 512-bit lanes (x86-64 with AVX-512F).
        case avx512
        /// 4 seeds at a time across 128-bit lanes (arm64).
        case neon

        /// Whether this build has the kernel and this processor can run it.
        public var isSupported: Bool { takeoff_expansion_supported(kernel) != 0 }

        var kernel: takeoff_expansion_kernel {
            switch self {
            case .portable: TAKEOFF_EXPANSION_PORTABLE
            case .avx2: TAKEOFF_EXPANSION_AVX2
            case .avx512: TAKEOFF_EXPANSION_AVX512
            case .neon: TAKEOFF_EXPANSION_NEON
            }
        }
    }

    /// The SHA-256 of the pairs' messages.
    public enum PairHash: String, CaseIterable, Sendable {
        /// swift-crypto, one message at a time: every processor (the library picks its own code for the processor).
        case library = "swift-crypto"
        /// Two messages at a time with the x86 SHA extensions.
        case shaNI = "sha-ni"
        /// 8 messages at a time across 256-bit lanes.
        case avx2
        /// 16 messages at a time across 512-bit lanes.
        case avx512
        /// 4 messages at a time across 128-bit lanes.
        case neon

        /// Whether this build has the kernel and this processor can run it.
        public var isSupported: Bool { kernel.map { takeoff_pair_hash_supported($0) != 0 } ?? true }

        /// The C kernel, or nil for swift-crypto.
        var kernel: takeoff_pair_hash_kernel? {
            switch self {
            case .library: nil
            case .shaNI: TAKEOFF_PAIR_HASH_SHA_NI
            case .avx2: TAKEOFF_PAIR_HASH_AVX2
            case .avx512: TAKEOFF_PAIR_HASH_AVX512
            case .neon: TAKEOFF_PAIR_HASH_NEON
            }
        }
    }

    /// The kernel that expands the digests.
    public var expansion: Expansion
    /// The kernel that hashes the pairs.
    public var pairHash: PairHash

    /// Kernels of the caller's choice; check ``isSupported`` before committing with them.
    public init(expansion: Expansion, pairHash: PairHash) {
        self.expansion = expansion
        self.pairHash = pairHash
    }

    /// Whether this processor can run both kernels.
    public var isSupported: Bool { expansion.isSupported && pairHash.isSupported }

    /// The kernels every processor runs.
    public static let portable = CommitmentKernels(expansion: .portable, pairHash: .library)

    /// The fastest kernels this processor has. The order was measured (BENCHMARKS.md): the widest vectors first, and
    /// for the hashing SHA-NI before 8 lanes of AVX2.
    public static var fastest: CommitmentKernels {
        let expansion = [Expansion.avx512, .avx2, .neon].first { $0.isSupported } ?? .portable
        let pairHash = [PairHash.avx512, .shaNI, .avx2, .neon].first { $0.isSupported } ?? .library
        return CommitmentKernels(expansion: expansion, pairHash: pairHash)
    }

    /// The kernels the commitment uses in this process: ``fromEnvironment(_:)`` of the process's environment, read
    /// once. A process whose environment names a kernel the processor cannot run stops here with the reason; a
    /// program checks ``fromEnvironment(_:)`` first to report it its own way (the command line does, at start).
    public static let active: CommitmentKernels = {
        do {
            return try fromEnvironment()
        } catch {
            fatalError("\(error)")
        }
    }()

    /// The environment variable that forces a family of kernels for both parts.
    public static let kernelVariable = "TAKEOFF_KERNEL"
    /// The environment variable that forces the hashing kernel alone.
    public static let pairHashVariable = "TAKEOFF_SHA256_KERNEL"

    /// The kernels an environment asks for: ``fastest`` unless `TAKEOFF_KERNEL` names a family (`portable` hashes
    /// with swift-crypto, the others with the family's own lanes) or `TAKEOFF_SHA256_KERNEL` a hashing kernel.
    /// - Throws: ``KernelSelectionError`` for a name that is no kernel, or a kernel this processor cannot run.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KernelSelectionError) -> CommitmentKernels {
        var kernels = fastest
        if let name = environment[kernelVariable], !name.isEmpty {
            guard let expansion = Expansion(rawValue: name) else {
                throw KernelSelectionError(variable: kernelVariable, value: name, problem: .unknown(Expansion.allCases.map(\.rawValue)))
            }
            let pairHash: PairHash = expansion == .portable ? .library : PairHash(rawValue: expansion.rawValue)!
            kernels = CommitmentKernels(expansion: expansion, pairHash: pairHash)
            guard kernels.isSupported else {
                throw KernelSelectionError(
                    variable: kernelVariable, value: name, problem: .unsupported(Expansion.allCases.filter(\.isSupported).map(\.rawValue)))
            }
        }
        if let name = environment[pairHashVariable], !name.isEmpty {
            guard let pairHash = PairHash(rawValue: name) else {
                throw KernelSelectionError(variable: pairHashVariable, value: name, problem: .unknown(PairHash.allCases.map(\.rawValue)))
            }
            guard pairHash.isSupported else {
                throw KernelSelectionError(
                    variable: pairHashVariable, value: name, problem: .unsupported(PairHash.allCases.filter(\.isSupported).map(\.rawValue)))
            }
            kernels.pairHash = pairHash
        }
        return kernels
    }

    /// The expansion kernel, then the hashing one: `avx2 + sha-ni`.
    public var description: String { "\(expansion.rawValue) + \(pairHash.rawValue)" }
}

/// An environment variable that names no commitment kernel, or one this processor cannot run.
public struct KernelSelectionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong with the name.
    public enum Problem: Hashable, Sendable {
        /// No kernel has that name; the names there are.
        case unknown([String])
        /// This processor (or this build) cannot run it; the kernels it can.
        case unsupported([String])
    }

    /// The variable, `TAKEOFF_KERNEL` or `TAKEOFF_SHA256_KERNEL`.
    public var variable: String
    /// Its value.
    public var value: String
    /// What is wrong with it.
    public var problem: Problem

    /// One line naming the variable, its value, what is wrong and what would do.
    public var description: String {
        switch problem {
        case .unknown(let names):
            "\(variable)=\(value): no such commitment kernel; use one of \(names.joined(separator: ", "))"
        case .unsupported(let names):
            "\(variable)=\(value): this processor cannot run that kernel (it lacks the instructions, or this build "
                + "does not have it); it can run \(names.joined(separator: ", "))"
        }
    }
}
