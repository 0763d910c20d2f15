/// XXH32 (the hash LZ4 frames use for their header checksum), needed to repair or reproduce the
/// broken header checksum of magic-0 LZ4 messages. liblz4 does not export its copy.
enum XXHash32 {
    private static let prime1: UInt32 = 2_654_435_761
    private static let prime2: UInt32 = 2_246_822_519
    private static let prime3: UInt32 = 3_266_489_917
    private static let prime4: UInt32 = 668_265_263
    private static let prime5: UInt32 = 374_761_393

    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        let count = bytes.count
        var index = 0
        var hash: UInt32
        if count >= 16 {
            var lanes = (seed &+ prime1 &+ prime2, seed &+ prime2, seed, seed &- prime1)
            while index + 16 <= count {
                lanes.0 = round(lanes.0, word(bytes, index))
                lanes.1 = round(lanes.1, word(bytes, index + 4))
                lanes.2 = round(lanes.2, word(bytes, index + 8))
                lanes.3 = round(lanes.3, word(bytes, index + 12))
                index += 16
            }
            hash = rotate(lanes.0, 1) &+ rotate(lanes.1, 7) &+ rotate(lanes.2, 12) &+ rotate(lanes.3, 18)
        } else {
            hash = seed &+ prime5
        }
        hash = hash &+ UInt32(truncatingIfNeeded: count)
        while index + 4 <= count {
            hash = rotate(hash &+ word(bytes, index) &* prime3, 17) &* prime4
            index += 4
        }
        while index < count {
            hash = rotate(hash &+ UInt32(bytes[index]) &* prime5, 11) &* prime1
            index += 1
        }
        hash ^= hash >> 15
        hash = hash &* prime2
        hash ^= hash >> 13
        hash = hash &* prime3
        hash ^= hash >> 16
        return hash
    }

    private static func round(_ accumulator: UInt32, _ input: UInt32) -> UInt32 {
        rotate(accumulator &+ input &* prime2, 13) &* prime1
    }

    private static func rotate(_ value: UInt32, _ bits: UInt32) -> UInt32 {
        (value << bits) | (value >> (32 - bits))
    }

    private static func word(_ bytes: UnsafeRawBufferPointer, _ index: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self))
    }
}
