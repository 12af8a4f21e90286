/// SplitMix64: a small, fast, seeded random number generator, so every workload is a pure function of its
/// seed on every platform.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator; equal seeds give equal sequences.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound`.
    public mutating func index(below bound: Int) -> Int { Int.random(in: 0..<bound, using: &self) }

    /// A uniform double in `0..<1`.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

/// Ranks drawn with probability proportional to 1 / (rank + 1)^exponent.
public struct ZipfDistribution: Sendable {
    private let cumulative: [Double]

    /// Precomputes the distribution over `count` ranks.
    public init(count: Int, exponent: Double) {
        var total = 0.0
        var cumulative = [Double]()
        cumulative.reserveCapacity(count)
        for rank in 0..<count {
            total += 1 / pow(Double(rank + 1), exponent)
            cumulative.append(total)
        }
        self.cumulative = cumulative.map { $0 / total }
    }

    /// Draws a rank in `0..<count`.
    public func sample(using generator: inout SeededGenerator) -> Int {
        let target = generator.unit()
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
