/// One key's versions in the multi-version memory, ordered by writer (a transaction's index in the block).
///
/// Most keys of a block have a single writer: that version is kept inline, and arrays are allocated only
/// when a second writer comes. Writers and entries are kept apart so that the search for a writer runs over
/// a plain array of 32-bit integers.
struct VersionList {
    private var singleWriter: Int32 = -1
    private var singleEntry: VersionEntry = .estimate
    /// Set once a second writer came: from then on every version lives in the arrays.
    private var spilled = false
    private var writers: [Int32] = []
    private var entries: [VersionEntry] = []

    var count: Int { spilled ? writers.count : (singleWriter < 0 ? 0 : 1) }
    var isEmpty: Bool { count == 0 }

    func writer(at position: Int) -> Int32 { spilled ? writers[position] : singleWriter }
    func entry(at position: Int) -> VersionEntry { spilled ? entries[position] : singleEntry }

    /// The first position whose writer is not below `writer`.
    func position(of writer: Int32) -> Int {
        guard spilled else { return singleWriter >= 0 && singleWriter < writer ? 1 : 0 }
        return writers.withUnsafeBufferPointer { writers in
            // Writers mostly arrive in order: check the end before searching.
            if let last = writers.last, last < writer { return writers.count }
            var low = 0
            var high = writers.count
            while low < high {
                let middle = (low + high) / 2
                if writers[middle] < writer { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    mutating func setEntry(_ entry: VersionEntry, at position: Int) {
        if spilled { entries[position] = entry } else { singleEntry = entry }
    }

    /// Inserts `writer`'s entry at `position` (from ``position(of:)``).
    mutating func insert(_ entry: VersionEntry, by writer: Int32, at position: Int) {
        if !spilled {
            if singleWriter < 0 {
                singleWriter = writer
                singleEntry = entry
                return
            }
            spilled = true
            writers = [singleWriter]
            entries = [singleEntry]
            singleWriter = -1
            singleEntry = .estimate
        }
        writers.insert(writer, at: position)
        entries.insert(entry, at: position)
    }

    mutating func remove(at position: Int) {
        if spilled {
            writers.remove(at: position)
            entries.remove(at: position)
        } else {
            singleWriter = -1
            singleEntry = .estimate
        }
    }
}
