/// Sorts state keys in their encodings' bytewise order without comparing whole keys: most-significant
/// digit first, with eight-byte digits.
///
/// A range of keys is sorted by radix on the eight bytes that start where its keys first differ (so that a
/// range of accounts whose addresses share their first bytes, as generated ones do, is sorted on the bytes
/// that vary), and each run of keys that tie on those bytes is sorted the same way from further on. Every
/// level moves past at least eight more bytes of the 41-byte encoding, so there are at most six.
enum StateKeySort {
    /// Below this many keys a comparison sort is cheaper.
    static let comparisonThreshold = 32

    /// The positions of `keys` in sorted order. The keys must be distinct.
    static func order(of keys: [StateKey]) -> [Int32] {
        var items = [RadixItem]()
        items.reserveCapacity(keys.count)
        for position in keys.indices { items.append(RadixItem(key: 0, position: Int32(truncatingIfNeeded: position))) }
        keys.withUnsafeBufferPointer { keys in sort(&items, range: items.indices, keys: keys) }
        return items.map(\.position)
    }

    private static func sort(_ items: inout [RadixItem], range: Range<Int>, keys: UnsafeBufferPointer<StateKey>) {
        guard range.count > 1 else { return }
        guard range.count >= comparisonThreshold else {
            items[range].sort { keys[Int($0.position)] < keys[Int($1.position)] }
            return
        }
        let first = keys[Int(items[range.lowerBound].position)]
        var offset = StateKey.orderedByteCount
        for index in range { offset = min(offset, first.firstDifferingByte(from: keys[Int(items[index].position)])) }
        guard offset < StateKey.orderedByteCount else { return }  // all equal: only one key, repeated
        var slice = [RadixItem]()
        slice.reserveCapacity(range.count)
        for index in range {
            let position = items[index].position
            slice.append(RadixItem(key: keys[Int(position)].orderedBytes(at: offset), position: position))
        }
        RadixSort.sort(&slice)
        items.replaceSubrange(range, with: slice)
        var start = range.lowerBound
        while start < range.upperBound {
            var end = start + 1
            while end < range.upperBound, items[end].key == items[start].key { end += 1 }
            if end - start > 1 { sort(&items, range: start..<end, keys: keys) }
            start = end
        }
    }
}

extension StateKey {
    /// The bytes that order keys: the tag and the five words, 41 bytes.
    static let orderedByteCount = 41

    /// Eight bytes of the tag-and-words string, as a word: the `index`th group of eight.
    @inline(__always)
    private func orderedWord(_ index: Int) -> UInt64 {
        switch index {
        case 0: UInt64(kind.rawValue) << 56 | w0 >> 8
        case 1: w0 << 56 | w1 >> 8
        case 2: w1 << 56 | w2 >> 8
        case 3: w2 << 56 | w3 >> 8
        case 4: w3 << 56 | w4 >> 8
        case 5: w4 << 56
        default: 0
        }
    }

    /// The eight bytes of the tag-and-words string from byte `offset` on (zeros past its end), big-endian:
    /// keys whose bytes before `offset` are equal order as these words do, up to ties.
    func orderedBytes(at offset: Int) -> UInt64 {
        let word = offset / 8
        let shift = UInt64(offset % 8 * 8)
        guard shift > 0 else { return orderedWord(word) }
        return orderedWord(word) << shift | orderedWord(word + 1) >> (64 - shift)
    }

    /// The first byte of the tag-and-words string where the two keys differ (``orderedByteCount`` if none).
    func firstDifferingByte(from other: StateKey) -> Int {
        for word in 0..<6 {
            let difference = orderedWord(word) ^ other.orderedWord(word)
            if difference != 0 { return word * 8 + difference.leadingZeroBitCount / 8 }
        }
        return Self.orderedByteCount
    }
}
