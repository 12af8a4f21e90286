/// A block's dependency graph as its recorded access sets give it: for each transaction, the earlier
/// transactions that last wrote a key it reads. A replay has these sets in the archive, so the parallel
/// executor makes a transaction wait for its recorded writers before its first execution instead of
/// speculating and being aborted.
///
/// The graph is a hint, never trusted for the result: every incarnation is still validated, so a wrong or
/// incomplete access set (another chain's logic, an archive from an older version) costs re-executions, not
/// correctness. Credits are not in the access sets (they conflict with nothing), so a transaction that
/// reads a key earlier ones credited may still be re-executed once.
///
/// Stored flat: `writers[starts[i]..<starts[i + 1]]` are transaction `i`'s writers, in the order its reads
/// met them.
struct RecordedDependencies: Sendable {
    private(set) var starts: [Int32]
    private(set) var writers: [Int32]

    /// Builds the graph from one access set per transaction, in block order.
    init(_ accessSets: [AccessSet]) {
        var lastWriter = StateTable<Int32>(minimumCapacity: accessSets.count * 2)
        starts = [0]
        starts.reserveCapacity(accessSets.count + 1)
        writers = []
        writers.reserveCapacity(accessSets.count)
        for (index, accessSet) in accessSets.enumerated() {
            let first = writers.count
            for key in accessSet.reads {
                guard let writer = lastWriter[key] else { continue }
                // A transaction reads a handful of keys: a linear search keeps each writer once.
                if !writers[first...].contains(writer) { writers.append(writer) }
            }
            starts.append(Int32(writers.count))
            for key in accessSet.writes { _ = lastWriter.updateValue(Int32(index), forKey: key) }
        }
    }

    /// How many transactions the graph covers.
    var count: Int { starts.count - 1 }

    /// The range of `writers` that holds transaction `index`'s writers.
    func range(of index: Int) -> Range<Int> { Int(starts[index])..<Int(starts[index + 1]) }

    /// Transactions that wait for at least one earlier one.
    var dependentCount: Int { (0..<count).count { !range(of: $0).isEmpty } }
}
