import Testing
@testable import Takeoff

@Suite struct ChaCha20Tests {
    /// RFC 8439, section 2.3.2: key 00 01 .. 1f, nonce 00 00 00 09 00 00 00 4a 00 00 00 00, counter 1.
    @Test func theRFC8439BlockTestVector() {
        var key: [UInt32] = []
        for word in 0..<8 {
            var value: UInt32 = 0
            for byte in 0..<4 { value |= UInt32(word * 4 + byte) << UInt32(8 * byte) }
            key.append(value)
        }
        let block = ChaCha20.block(key: key, counter: 1, nonce: (0x0900_0000, 0x4a00_0000, 0))
        let expected: [UInt32] = [
            0xe4e7_f110, 0x1559_3bd1, 0x1fdd_0f50, 0xc471_20a3, 0xc7f4_d1c7, 0x0368_c033, 0x9aaa_2204, 0x4e6c_d4c3,
            0x4664_82d2, 0x09aa_9f07, 0x05d7_c214, 0xa202_8bd9, 0xd19c_12b5, 0xb94e_16de, 0xe883_d0cb, 0x4e3c_50a2,
        ]
        #expect(block == expected)
    }
}
