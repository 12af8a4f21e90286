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

/// Ranks drawn with probability proportional to 1 / (rank + 1)^exponent, in constant memory whatever the
/// number of ranks.
///
/// It samples by rejection-inversion (W. Hörmann and G. Derflinger, "Rejection-inversion to generate
/// variates from monotone discrete distributions", ACM TOMACS 6(3), 1996): a draw inverts the integral of a
/// continuous hat function over the ranks and is accepted with a test that needs no table, so a hundred
/// million ranks cost what ten do. Fewer than 1.1 draws per sample are rejected on average.
public struct ZipfDistribution: Sendable {
    private let count: Int
    private let exponent: Double
    private let hIntegralX1: Double
    private let hIntegralCount: Double
    private let squeeze: Double

    /// Prepares the distribution over `count` ranks.
    public init(count: Int, exponent: Double) {
        precondition(count >= 1 && exponent > 0, "a Zipf distribution needs ranks and a positive exponent")
        self.count = count
        self.exponent = exponent
        hIntegralX1 = Self.hIntegral(1.5, exponent) - 1
        hIntegralCount = Self.hIntegral(Double(count) + 0.5, exponent)
        squeeze = 2 - Self.hIntegralInverse(Self.hIntegral(2.5, exponent) - Self.h(2, exponent), exponent)
    }

    /// Draws a rank in `0..<count`.
    public func sample(using generator: inout SeededGenerator) -> Int {
        while true {
            let u = hIntegralCount + generator.unit() * (hIntegralX1 - hIntegralCount)
            let x = Self.hIntegralInverse(u, exponent)
            let k = Swift.min(Swift.max(Double(Int(x + 0.5)), 1), Double(count))
            if k - x <= squeeze || u >= Self.hIntegral(k + 0.5, exponent) - Self.h(k, exponent) {
                return Int(k) - 1
            }
        }
    }

    /// The hat function, 1 / x^exponent.
    private static func h(_ x: Double, _ exponent: Double) -> Double { exp(-exponent * log(x)) }

    /// Its integral, (x^(1 - exponent) - 1) / (1 - exponent), and log(x) when the exponent is 1.
    private static func hIntegral(_ x: Double, _ exponent: Double) -> Double {
        let logX = log(x)
        return expm1OverX((1 - exponent) * logX) * logX
    }

    /// The inverse of ``hIntegral(_:_:)``.
    private static func hIntegralInverse(_ x: Double, _ exponent: Double) -> Double {
        exp(log1pOverX(Swift.max(x * (1 - exponent), -1)) * x)
    }

    /// log(1 + x) / x, continued to 1 at 0 with its Taylor series near it.
    private static func log1pOverX(_ x: Double) -> Double {
        abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }

    /// (e^x - 1) / x, continued to 1 at 0 with its Taylor series near it.
    private static func expm1OverX(_ x: Double) -> Double {
        abs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
