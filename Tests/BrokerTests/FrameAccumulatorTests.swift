import NIOCore
import Testing

@testable import Broker

@Suite struct FrameAccumulatorTests {
    private func frame(_ body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(body.count))
        buffer.writeBytes(body)
        return buffer
    }

    @Test func splitsFramesAcrossArbitraryReadBoundaries() throws {
        let bodies: [[UInt8]] = [Array(repeating: 1, count: 12), Array(0..<200).map { UInt8($0) }, Array(repeating: 9, count: 10)]
        var stream = ByteBuffer()
        for body in bodies {
            var encoded = frame(body)
            stream.writeBuffer(&encoded)
        }
        // Feed the stream in 7-byte pieces: frames must come out whole and in order.
        var accumulator = FrameAccumulator(maxFrameBytes: 1024)
        var received: [[UInt8]] = []
        while stream.readableBytes > 0 {
            var piece = stream.readSlice(length: min(7, stream.readableBytes))!
            accumulator.append(&piece)
            while case .frame(let frame) = try accumulator.next() {
                received.append(Array(frame.readableBytesView))
            }
        }
        #expect(received == bodies)
        #expect(accumulator.bufferedBytes == 0)
    }

    @Test func reportsTheDeclaredSizeBeforeTheBodyArrives() throws {
        var accumulator = FrameAccumulator(maxFrameBytes: 1024)
        var prefix = ByteBuffer()
        prefix.writeInteger(Int32(500))
        prefix.writeBytes([1, 2, 3])
        accumulator.append(&prefix)
        #expect(try accumulator.next() == .needMore(declaredSize: 500))
    }

    @Test(arguments: [Int32.max, 2_000_000_000, -1, -2_147_483_648, 0, 9])
    func rejectsSizesNoClientSends(size: Int32) {
        var accumulator = FrameAccumulator(maxFrameBytes: 100 * 1024 * 1024)
        var bytes = ByteBuffer()
        bytes.writeInteger(size)
        accumulator.append(&bytes)
        #expect(throws: FrameAccumulator.FrameError.self) { try accumulator.next() }
    }
}
