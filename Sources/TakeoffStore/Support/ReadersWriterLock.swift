import Foundation
import TakeoffCore

/// A `pthread_rwlock_t` owned by a class, so its address never moves.
package final class ReadersWriterLock: @unchecked Sendable {
    // @unchecked: all access goes through the pthread lock itself.
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    package init() { pthread_rwlock_init(lock, nil) }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    package func lockShared() { pthread_rwlock_rdlock(lock) }
    package func lockExclusive() { pthread_rwlock_wrlock(lock) }
    package func unlock() { pthread_rwlock_unlock(lock) }
}
