import Foundation

/// Runs a job on dedicated threads (never the Swift concurrency pool) and waits for all of them.
enum WorkerThreads {
    /// Runs `job` on `count` threads: `count - 1` new ones and the caller's.
    static func run(count: Int, _ job: @escaping @Sendable () -> Void) {
        let finished = DispatchGroup()
        for _ in 1..<max(count, 1) {
            finished.enter()
            let thread = Thread {
                job()
                finished.leave()
            }
            thread.stackSize = 1 << 22  // transaction logic may recurse; 4 MiB like the main thread's default
            thread.start()
        }
        job()
        finished.wait()
    }
}
