import Testing
@testable import TakeoffCore

/// The ideal speed-up on hand-made blocks whose critical path and schedule are known.
@Suite struct IdealSpeedupTests {
    /// The state key of account `index`.
    private func key(_ index: Int) -> StateKey { .account(Address(space: 7, index: UInt64(index))) }

    /// A transaction that reads and writes its own key, and reads `from`'s keys too.
    private func access(_ own: Int, reading others: [Int] = []) -> AccessSet {
        AccessSet(reads: ([own] + others).map(key), writes: [key(own)])
    }

    @Test func independentTransactionsSplitEvenlyOverTheWorkers() {
        let block = (0..<12).map { access($0) }
        let ideal = IdealSpeedup(accessSets: block, costs: Array(repeating: 1, count: 12), workers: 4)
        #expect(ideal.totalCost == 12)
        #expect(ideal.criticalPath == 1)
        #expect(ideal.scheduleLength == 3)
        #expect(ideal.speedup == 4)
        #expect(ideal.criticalPathBound == 12)
    }

    @Test func aFullChainGainsNothing() {
        // Every transaction reads and writes the same key: each waits for the one before.
        let block = (0..<10).map { _ in access(0) }
        let costs = (1...10).map(Double.init)
        let ideal = IdealSpeedup(accessSets: block, costs: costs, workers: 8)
        #expect(ideal.criticalPath == 55)
        #expect(ideal.scheduleLength == 55)
        #expect(ideal.speedup == 1)
        #expect(ideal.criticalPathBound == 1)
    }

    @Test func twoInterleavedChainsReachTwoWhateverTheWorkers() {
        // Even transactions chain on key 0, odd ones on key 1.
        let block = (0..<20).map { access($0 % 2) }
        for workers in [2, 4, 16] {
            let ideal = IdealSpeedup(accessSets: block, costs: Array(repeating: 1, count: 20), workers: workers)
            #expect(ideal.criticalPath == 10)
            #expect(ideal.scheduleLength == 10, "workers: \(workers)")
            #expect(ideal.speedup == 2)
        }
        // One worker runs everything one after another.
        #expect(IdealSpeedup(accessSets: block, costs: Array(repeating: 1, count: 20), workers: 1).speedup == 1)
    }

    @Test func aFanInWaitsForEveryBranch() {
        // Eight independent transactions, then one that reads all their keys and costs 2.
        let block = (0..<8).map { access($0) } + [access(8, reading: Array(0..<8))]
        let costs = Array(repeating: 1.0, count: 8) + [2]
        let ideal = IdealSpeedup(accessSets: block, costs: costs, workers: 4)
        #expect(ideal.totalCost == 10)
        #expect(ideal.criticalPath == 3)
        // Two rounds of four branches, then the join.
        #expect(ideal.scheduleLength == 4)
        #expect(ideal.speedup == 2.5)
        #expect(ideal.criticalPathBound == 10.0 / 3)
    }

    @Test func aWriteWithoutAReadOrderingNothingIsNoDependency() {
        // Transaction 1 only writes key 0 (a blind write): it does not wait for transaction 0's write.
        let block = [access(0), AccessSet(reads: [], writes: [key(0)]), access(0)]
        let ideal = IdealSpeedup(accessSets: block, costs: [1, 1, 1], workers: 2)
        // Transaction 2 reads key 0, last written by transaction 1: the chain is 1 -> 2.
        #expect(ideal.criticalPath == 2)
        #expect(ideal.scheduleLength == 2)
        #expect(ideal.speedup == 1.5)
    }

    @Test func anEmptyBlockHasSpeedupOne() {
        let ideal = IdealSpeedup(accessSets: [], costs: [], workers: 4)
        #expect(ideal.speedup == 1)
        #expect(ideal.criticalPathBound == 1)
    }
}
