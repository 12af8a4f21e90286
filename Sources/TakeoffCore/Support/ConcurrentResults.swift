import Synchronization

/// Fixed slots that concurrent workers fill, one slot per worker, read back once they have all finished.
package final class ConcurrentResults<Value: Sendable>: Sendable {
    private let slots: Mutex<[Value]>

    package init(count: Int, initial: Value) { slots = Mutex([Value](repeating: initial, count: count)) }

    package subscript(index: Int) -> Value {
        get { slots.withLock { $0[index] } }
        set { slots.withLock { $0[index] = newValue } }
    }

    /// Every slot, in order.
    package var values: [Value] { slots.withLock { $0 } }
}
