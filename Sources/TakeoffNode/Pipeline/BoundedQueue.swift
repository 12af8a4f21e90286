import Dispatch
import Foundation

/// A first-in, first-out queue of at most `capacity` elements between two pipeline stages: the producer
/// waits while it is full, the consumer while it is empty. The bound is what keeps a pipeline's memory
/// flat: a slow stage holds back the ones before it instead of letting blocks pile up.
///
/// Closing it ends the exchange: waiting producers give up (their element is dropped) and the consumer
/// drains what is left, then gets nil. A failed stage closes every queue so that the others stop.
final class BoundedQueue<Element>: @unchecked Sendable {
    // @unchecked: every field below is read and written holding `condition`.
    private let condition = NSCondition()
    private var elements: [Element] = []
    private var closed = false
    /// The most elements it held at once.
    private(set) var highWaterMark = 0
    /// How many elements it holds at most.
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity >= 1, "a queue must hold at least one element")
        self.capacity = capacity
    }

    private var count: Int { elements.count }

    /// Appends `element`, waiting while the queue is full.
    /// - Returns: false when the queue was closed (the element is dropped).
    @discardableResult
    func push(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !closed && count >= capacity { condition.wait() }
        guard !closed else { return false }
        elements.append(element)
        highWaterMark = max(highWaterMark, count)
        condition.broadcast()
        return true
    }

    /// What ``pop(until:)`` found.
    enum Popped {
        case element(Element)
        /// The deadline passed with the queue still empty.
        case timedOut
        /// The queue is closed and empty.
        case finished
    }

    /// Removes the oldest element, waiting while the queue is empty, until `deadline` at the latest (nil:
    /// no deadline).
    func pop(until deadline: Date? = nil) -> Popped {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 {
            if closed { return .finished }
            if let deadline {
                if !condition.wait(until: deadline) && count == 0 { return closed ? .finished : .timedOut }
            } else {
                condition.wait()
            }
        }
        // A queue holds a few blocks: moving the rest down is cheaper than keeping consumed blocks alive.
        let element = elements.removeFirst()
        condition.broadcast()
        return .element(element)
    }

    /// Removes the oldest element, waiting while the queue is empty; nil once it is closed and empty.
    func pop() -> Element? {
        if case .element(let element) = pop(until: nil) { return element }
        return nil
    }

    /// Closes the queue: pushes fail from now on, and pops get what is left, then nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
