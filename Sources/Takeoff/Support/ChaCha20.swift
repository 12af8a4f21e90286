/// The ChaCha20 block function (RFC 8439, section 2.3): 64 bytes of keystream from a 256-bit key, a block
/// counter and a 96-bit nonce. Used as a fast pseudo-random expansion, not for encryption.
enum ChaCha20 {
    /// The keystream block as 16 little-endian words.
    @inline(__always)
    static func block(key: [UInt32], counter: UInt32, nonce: (UInt32, UInt32, UInt32)) -> [UInt32] {
        var x0: UInt32 = 0x6170_7865, x1: UInt32 = 0x3320_646e, x2: UInt32 = 0x7962_2d32, x3: UInt32 = 0x6b20_6574
        var x4 = key[0], x5 = key[1], x6 = key[2], x7 = key[3]
        var x8 = key[4], x9 = key[5], x10 = key[6], x11 = key[7]
        var x12 = counter, x13 = nonce.0, x14 = nonce.1, x15 = nonce.2
        @inline(__always) func quarter(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
            a &+= b; d ^= a; d = d << 16 | d >> 16
            c &+= d; b ^= c; b = b << 12 | b >> 20
            a &+= b; d ^= a; d = d << 8 | d >> 24
            c &+= d; b ^= c; b = b << 7 | b >> 25
        }
        for _ in 0..<10 {
            quarter(&x0, &x4, &x8, &x12)
            quarter(&x1, &x5, &x9, &x13)
            quarter(&x2, &x6, &x10, &x14)
            quarter(&x3, &x7, &x11, &x15)
            quarter(&x0, &x5, &x10, &x15)
            quarter(&x1, &x6, &x11, &x12)
            quarter(&x2, &x7, &x8, &x13)
            quarter(&x3, &x4, &x9, &x14)
        }
        return [
            x0 &+ 0x6170_7865, x1 &+ 0x3320_646e, x2 &+ 0x7962_2d32, x3 &+ 0x6b20_6574,
            x4 &+ key[0], x5 &+ key[1], x6 &+ key[2], x7 &+ key[3],
            x8 &+ key[4], x9 &+ key[5], x10 &+ key[6], x11 &+ key[7],
            x12 &+ counter, x13 &+ nonce.0, x14 &+ nonce.1, x15 &+ nonce.2,
        ]
    }
}
