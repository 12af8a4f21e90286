import Logging

/// The library logs only through a `Logger` its caller gives it (swift-log); this is the one its components use
/// when given none, and it discards everything, so the library stays silent unless its caller asks.
///
/// What is logged, by level: `error` when a stage of a pipeline fails; `notice` when a store or an archive is
/// repaired at open (blocks applied from the archive, a torn record cut back); `info` once per run or replay;
/// `debug` per store commit and per block that fell back to the sequential path, with its reason.
public enum TakeoffLogging {
    /// A logger that discards every message.
    public static let silent = Logger(label: "takeoff", factory: { _ in SwiftLogNoOpLogHandler() })
}
