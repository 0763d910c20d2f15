/// A 64-bit hash that is the same in every process and on every machine.
///
/// Swift's `Hasher` is seeded per process, which would make HyperLogLog registers in a restored checkpoint
/// disagree with those built after the restart. FNV-1a spreads the bytes, the MurmurHash3 finalizer then
/// gives the avalanche HyperLogLog needs from its leading-zero counts.
enum StableHash {
    static func hash64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return finalize(hash)
    }

    static func finalize(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash
    }
}
