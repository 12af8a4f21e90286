import Histogram

/// The latencies of one kind of event (a block's execution, a store commit), kept in an HdrHistogram of
/// microseconds with three significant digits: constant memory whatever the run's length.
struct LatencyRecorder {
    private var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)

    /// Records one event that took `seconds`.
    mutating func record(seconds: Double) {
        _ = histogram.record(UInt64(max(0, seconds * 1e6).rounded()))
    }

    /// Adds every event `other` recorded.
    mutating func add(_ other: LatencyRecorder) { histogram.add(other.histogram) }

    /// The percentiles so far.
    var percentiles: LatencyPercentiles {
        func milliseconds(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        guard histogram.totalCount > 0 else { return LatencyPercentiles(count: 0, p50: 0, p90: 0, p99: 0, max: 0) }
        return LatencyPercentiles(
            count: Int(histogram.totalCount), p50: milliseconds(histogram.valueAtPercentile(50)),
            p90: milliseconds(histogram.valueAtPercentile(90)), p99: milliseconds(histogram.valueAtPercentile(99)),
            max: milliseconds(histogram.max))
    }
}

/// Latency percentiles in milliseconds (to the microsecond), as the summaries report them.
struct LatencyPercentiles: Encodable, Equatable {
    var count: Int
    var p50: Double
    var p90: Double
    var p99: Double
    var max: Double

    /// `p50 1.234 / p90 … / p99 … / max … ms (N)`.
    var text: String {
        guard count > 0 else { return "none" }
        return String(format: "p50 %.3f, p90 %.3f, p99 %.3f, max %.3f ms (%d)", p50, p90, p99, max, count)
    }
}
