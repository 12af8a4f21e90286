// Two threads increment one counter, always through Mutex.withLock. The program is race-free; on Swift
// 6.3.1 for Linux, ThreadSanitizer still reports a "Swift access race" inside the closure.
import Foundation
import Synchronization

final class Counter: Sendable {
    let value = Mutex(0)
}

let counter = Counter()
let group = DispatchGroup()
for _ in 0..<2 {
    let thread = Thread {
        for _ in 0..<100_000 { counter.value.withLock { $0 += 1 } }
        group.leave()
    }
    group.enter()
    thread.start()
}
group.wait()
print(counter.value.withLock { $0 })
