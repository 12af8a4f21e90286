/// A 64-bit sort key and the position of the element it stands for.
struct RadixItem: Equatable {
    var key: UInt64
    var position: Int32
}

/// Least-significant-digit radix sort of ``RadixItem``s by key, stable: eight passes of one byte, less the
/// passes whose byte is the same in every key (the high bytes of keys that share a tag or a prefix). It
/// runs in linear time, where a comparison sort of the block's twenty thousand changed keys spends most of
/// its time in branches it mispredicts.
enum RadixSort {
    /// Below this many items a comparison sort is faster than building the histograms.
    static let threshold = 256

    static func sort(_ items: inout [RadixItem]) {
        guard items.count >= threshold else {
            items.sort { $0.key < $1.key || ($0.key == $1.key && $0.position < $1.position) }
            return
        }
        var scratch = [RadixItem](repeating: RadixItem(key: 0, position: 0), count: items.count)
        // All eight histograms in one pass over the keys.
        var counts = [Int](repeating: 0, count: 8 * 256)
        counts.withUnsafeMutableBufferPointer { counts in
            for item in items {
                for byte in 0..<8 { counts[byte &* 256 &+ Int((item.key >> (byte &* 8)) & 0xFF)] &+= 1 }
            }
        }
        var inItems = true  // whether the data currently sits in `items` (or in `scratch`)
        for byte in 0..<8 {
            let histogram = counts[(byte * 256)..<(byte * 256 + 256)]
            if histogram.contains(items.count) { continue }  // every key has the same byte here
            var offsets = [Int](repeating: 0, count: 256)
            var total = 0
            for digit in 0..<256 {
                offsets[digit] = total
                total += histogram[byte * 256 + digit]
            }
            let shift = UInt64(byte * 8)
            func scatter(_ source: UnsafeMutableBufferPointer<RadixItem>, _ target: UnsafeMutableBufferPointer<RadixItem>) {
                offsets.withUnsafeMutableBufferPointer { offsets in
                    for item in source {
                        let digit = Int((item.key >> shift) & 0xFF)
                        target[offsets[digit]] = item
                        offsets[digit] &+= 1
                    }
                }
            }
            if inItems {
                items.withUnsafeMutableBufferPointer { source in scratch.withUnsafeMutableBufferPointer { scatter(source, $0) } }
            } else {
                scratch.withUnsafeMutableBufferPointer { source in items.withUnsafeMutableBufferPointer { scatter(source, $0) } }
            }
            inItems.toggle()
        }
        if !inItems { items = scratch }
    }
}
