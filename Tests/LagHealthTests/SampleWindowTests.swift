import LagHealth
import Testing

@Suite("SampleWindow: a fixed-size ring")
struct SampleWindowTests {
    @Test("keeps the newest elements, oldest first, and never more than its capacity")
    func keepsNewest() {
        var window = SampleWindow<Int>(capacity: 3)
        #expect(window.isEmpty && window.newest == nil)
        for value in 1...2 { window.append(value) }
        #expect(window.elements == [1, 2])
        #expect(!window.isFull)
        for value in 3...7 { window.append(value) }
        #expect(window.elements == [5, 6, 7])
        #expect(window.count == 3 && window.isFull)
        #expect(window.newest == 7)
    }

    @Test("a capacity below one holds one element")
    func minimumCapacity() {
        let window = SampleWindow(capacity: 0, [1, 2, 3])
        #expect(window.capacity == 1)
        #expect(window.elements == [3])
    }
}
