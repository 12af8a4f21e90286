import Dispatch
import Metrics
import Synchronization
import TakeoffCore

/// The node's storage figures in swift-metrics: each store commit's time (a timer), the store's size, bytes in
/// use and free pages (gauges, read at most once a second: the LMDB store counts free pages by walking its free
/// list), and the bytes appended to the log (a counter).
final class StoreMetrics: Sendable {
    let archiveBytes = Counter(label: "takeoff_archive_bytes_total")
    private let commits = Metrics.Timer(label: "takeoff_store_commit_seconds")
    private let mapBytes = Gauge(label: "takeoff_store_map_bytes")
    private let bytesInUse = Gauge(label: "takeoff_store_bytes_in_use")
    private let freePages = Gauge(label: "takeoff_store_free_pages")
    /// When the gauges were last read, in uptime nanoseconds.
    private let lastRead = Mutex<UInt64>(0)
    /// Whether an application bootstrapped a metrics backend: without one, the store's usage is not read at all.
    private let reported = !(MetricsSystem.factory is NOOPMetricsHandler)

    /// Records a commit that took `seconds`, and reads the store's usage (`usage`) when a second has passed.
    func recordCommit(seconds: Double, usage: () throws -> StorageUsage?) {
        commits.recordNanoseconds(Int64(seconds * 1e9))
        guard reported else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let due = lastRead.withLock { last in
            guard last == 0 || now - last >= 1_000_000_000 else { return false }
            last = now
            return true
        }
        guard due, let figures = try? usage() else { return }
        mapBytes.record(figures.mapBytes)
        bytesInUse.record(figures.bytesInUse)
        freePages.record(figures.freePages)
    }
}
