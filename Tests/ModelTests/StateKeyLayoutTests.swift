import Testing
import Takeoff

/// The fixed-size key: its fields come back out, its order is the bytewise order of its encoding, and its
/// precomputed hash is a function of the key alone.
@Suite struct StateKeyLayoutTests {
    /// Random keys of every kind, with addresses and ids that use all their bytes.
    static func randomKeys(count: Int, seed: UInt64) -> [StateKey] {
        var generator = SplitMix(seed: seed)
        func address() -> Address {
            Address(high: generator.next(), middle: generator.next(), low: UInt32(truncatingIfNeeded: generator.next()))
        }
        return (0..<count).map { index in
            switch index % 4 {
            case 0: .account(address())
            case 1: .tokenBalance(token: address(), holder: address())
            case 2: .contractSlot(contract: address(), slot: generator.next())
            default:
                .custom(
                    namespace: UInt16(truncatingIfNeeded: generator.next()),
                    id: Hash32(w0: generator.next(), w1: generator.next(), w2: generator.next(), w3: generator.next()))
            }
        }
    }

    @Test func fieldsComeBackOut() {
        var generator = SplitMix(seed: 3)
        for _ in 0..<1_000 {
            let token = Address(high: generator.next(), middle: generator.next(), low: UInt32(truncatingIfNeeded: generator.next()))
            let holder = Address(high: generator.next(), middle: generator.next(), low: UInt32(truncatingIfNeeded: generator.next()))
            let slot = generator.next()
            let id = Hash32(w0: generator.next(), w1: generator.next(), w2: generator.next(), w3: generator.next())
            let namespace = UInt16(truncatingIfNeeded: generator.next())
            #expect(StateKey.account(holder).account == holder)
            #expect(StateKey.tokenBalance(token: token, holder: holder).tokenBalance.map { [$0.token, $0.holder] } == [token, holder])
            #expect(StateKey.contractSlot(contract: token, slot: slot).contractSlot.map { $0.contract == token && $0.slot == slot } == true)
            #expect(StateKey.custom(namespace: namespace, id: id).custom.map { $0.namespace == namespace && $0.id == id } == true)
            #expect(StateKey.account(holder).tokenBalance == nil)
        }
    }

    @Test func theEncodingIsTheTagThenTheFieldsBigEndian() {
        let address = Address(high: 0x0102_0304_0506_0708, middle: 0x090A_0B0C_0D0E_0F10, low: 0x1112_1314)
        #expect(StateKey.account(address).encoded == [1] + Array(1...20))
        #expect(StateKey.contractSlot(contract: address, slot: 0x1516_1718_191A_1B1C).encoded == [3] + Array(1...28))
        #expect(StateKey.tokenBalance(token: address, holder: address).encoded == [2] + Array(1...20) + Array(1...20))
        let id = Hash32(w0: 0x0304_0506_0708_090A, w1: 0x0B0C_0D0E_0F10_1112, w2: 0x1314_1516_1718_191A, w3: 0x1B1C_1D1E_1F20_2122)
        #expect(StateKey.custom(namespace: 0x0102, id: id).encoded == [4] + Array(1...34))
    }

    @Test func orderIsTheBytewiseOrderOfEncodings() throws {
        var keys = Self.randomKeys(count: 2_000, seed: 11)
        // Keys that share long prefixes, so that the later words decide.
        let base = Address(space: 1, index: 1)
        keys += (0..<50).map { StateKey.tokenBalance(token: base, holder: Address(space: 1, index: UInt64($0))) }
        keys += (0..<50).map { StateKey.contractSlot(contract: base, slot: UInt64($0) << 40 | UInt64($0)) }
        let byKey = keys.sorted()
        let byEncoding = keys.sorted { $0.encoded.lexicographicallyPrecedes($1.encoded) }
        #expect(byKey == byEncoding)
        for key in keys.prefix(200) { #expect(try StateKey(encoded: key.encoded) == key) }
    }

    @Test func equalKeysHashEquallyAndDistinctKeysRarelyCollide() {
        let keys = Self.randomKeys(count: 20_000, seed: 5)
        let rebuilt = keys.map { try! StateKey(encoded: $0.encoded) }
        #expect(zip(keys, rebuilt).allSatisfy { $0.precomputedHash == $1.precomputedHash })
        #expect(Set(keys.map(\.precomputedHash)).count == Set(keys).count)
        // Sequential account indices (how workloads number accounts) spread over the low bits tables use.
        let buckets = Set((0..<4_096).map { Int(StateKey.account(Address(space: 1, index: UInt64($0))).precomputedHash & 4_095) })
        #expect(buckets.count > 2_400, "\(buckets.count) of 4,096 buckets used")
    }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
