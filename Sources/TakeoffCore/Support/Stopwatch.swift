import Dispatch

/// Elapsed wall-clock time from a start point, in seconds: the executors' phases, the pipeline's stages.
package struct Stopwatch {
    private var start = DispatchTime.now().uptimeNanoseconds

    /// A stopwatch started now.
    package init() {}

    /// Seconds since the start (or the last lap).
    package mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { start = now }
        return Double(now - start) / 1e9
    }
}
