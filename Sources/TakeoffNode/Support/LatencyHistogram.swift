import Histogram

/// The latencies of one kind of event (a block's execution, a store commit), kept in an HdrHistogram of
/// microseconds with three significant digits: constant memory however long the run.
public struct LatencyHistogram: Sendable {
    private var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)

    /// An empty histogram.
    public init() {}

    /// Records one event that took `seconds`.
    public mutating func record(seconds: Double) {
        _ = histogram.record(UInt64(max(0, seconds * 1e6).rounded()))
    }

    /// Adds every event `other` recorded.
    public mutating func add(_ other: LatencyHistogram) { histogram.add(other.histogram) }

    /// The events recorded.
    public var count: Int { Int(histogram.totalCount) }

    /// The percentiles so far (all zero when nothing was recorded).
    public var percentiles: LatencyPercentiles {
        func milliseconds(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        guard histogram.totalCount > 0 else { return LatencyPercentiles(count: 0, p50: 0, p90: 0, p99: 0, max: 0) }
        return LatencyPercentiles(
            count: count, p50: milliseconds(histogram.valueAtPercentile(50)), p90: milliseconds(histogram.valueAtPercentile(90)),
            p99: milliseconds(histogram.valueAtPercentile(99)), max: milliseconds(histogram.max))
    }
}

/// Latency percentiles in milliseconds (to the microsecond), as the summaries report them.
public struct LatencyPercentiles: Codable, Hashable, Sendable {
    /// The events counted.
    public var count: Int
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double

    /// `p50 1.234, p90 …, p99 …, max … ms (N)`, or `none`.
    public var text: String {
        guard count > 0 else { return "none" }
        func format(_ value: Double) -> String {
            let thousandths = Int((value * 1000).rounded())
            let fraction = String(thousandths % 1000)
            return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
        }
        return "p50 \(format(p50)), p90 \(format(p90)), p99 \(format(p99)), max \(format(max)) ms (\(count))"
    }
}

extension LatencyHistogram: Encodable {
    /// Encodes the percentiles (a histogram's buckets mean nothing to a reader of a report).
    public func encode(to encoder: any Encoder) throws { try percentiles.encode(to: encoder) }
}
