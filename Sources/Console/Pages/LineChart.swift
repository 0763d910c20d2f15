import LagHealth

/// One line of a chart: values over time (milliseconds since the epoch).
struct ChartSeries: Sendable {
    var name: String
    var points: [(time: Int64, value: Double)]
}

/// A time-series line chart drawn as inline SVG by our own code: a zero-based value axis rounded up
/// to a 1-2-5 step, four grid lines, times relative to the newest point, one polyline per series
/// (the first one with a filled area) and a hover title on every point. Styling comes from the page's
/// stylesheet through classes, so the SVG carries no colours of its own.
struct LineChart {
    var series: [ChartSeries]
    var unit: String
    /// The drawing's own size; pages scale it to their width, so this is about the width of a card.
    var width = 1180
    var height = 240
    var formatValue: (Double) -> String = NumberText.compact

    private let left = 52.0, right = 14.0, top = 12.0, bottom = 28.0

    func svg() -> String {
        let points = series.flatMap(\.points)
        let label = HTMLText.escape("\(series.map(\.name).joined(separator: ", ")) in \(unit)")
        var svg = #"<svg class="chart" viewBox="0 0 \#(width) \#(height)" role="img" aria-label="\#(label)" preserveAspectRatio="xMidYMid meet">"#
        guard let first = points.map(\.time).min(), let last = points.map(\.time).max(), last > first else {
            svg += #"<text class="chart-empty" x="\#(width / 2)" y="\#(height / 2)" text-anchor="middle">Collecting samples…</text></svg>"#
            return svg
        }
        let ceiling = Self.niceCeiling(points.map(\.value).max() ?? 0, steps: 4)
        let plotWidth = Double(width) - left - right
        let plotHeight = Double(height) - top - bottom
        func x(_ time: Int64) -> Double { left + plotWidth * Double(time - first) / Double(last - first) }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - value / ceiling) }

        for step in 0...4 {
            let value = ceiling * Double(step) / 4
            let lineY = Self.coordinate(y(value))
            svg += #"<line class="grid" x1="\#(Self.coordinate(left))" x2="\#(Self.coordinate(left + plotWidth))" y1="\#(lineY)" y2="\#(lineY)"/>"#
            svg += #"<text class="axis" x="\#(Self.coordinate(left - 8))" y="\#(lineY)" dy="4" text-anchor="end">\#(HTMLText.escape(formatValue(value)))</text>"#
        }
        for fraction in [0.0, 0.5, 1.0] {
            let time = first + Int64(Double(last - first) * fraction)
            let anchor = fraction == 0 ? "start" : fraction == 1 ? "end" : "middle"
            let text = time == last ? "now" : "−" + DurationText.format(milliseconds: last - time)
            svg += #"<text class="axis" x="\#(Self.coordinate(x(time)))" y="\#(height - 8)" text-anchor="\#(anchor)">\#(text)</text>"#
        }
        for (index, line) in series.enumerated() where !line.points.isEmpty {
            let coordinates = line.points.map { "\(Self.coordinate(x($0.time))),\(Self.coordinate(y($0.value)))" }
            if index == 0, let start = line.points.first, let end = line.points.last {
                let baseline = Self.coordinate(y(0))
                svg += #"<path class="area s0" d="M\#(Self.coordinate(x(start.time))),\#(baseline) L\#(coordinates.joined(separator: " L")) L\#(Self.coordinate(x(end.time))),\#(baseline) Z"/>"#
            }
            svg += #"<polyline class="line s\#(index % 6)" points="\#(coordinates.joined(separator: " "))"/>"#
            // Every point answers a hover with its value; only the newest is drawn.
            for point in line.points {
                let title = "\(line.name): \(formatValue(point.value)) \(unit) at \(NumberText.timestamp(milliseconds: point.time))"
                let style = point.time == line.points.last?.time ? "dot s\(index % 6)" : "hover"
                svg += #"<circle class="\#(style)" cx="\#(Self.coordinate(x(point.time)))" cy="\#(Self.coordinate(y(point.value)))" r="\#(style == "hover" ? 6 : 3.5)"><title>\#(HTMLText.escape(title))</title></circle>"#
            }
        }
        return svg + "</svg>"
    }

    /// A small chart without axes for table cells.
    static func sparkline(_ points: [(time: Int64, value: Double)], width: Int = 120, height: Int = 28) -> String {
        guard let first = points.first?.time, let last = points.last?.time, last > first else {
            return #"<svg class="sparkline" viewBox="0 0 \#(width) \#(height)" aria-hidden="true"></svg>"#
        }
        let ceiling = niceCeiling(points.map(\.value).max() ?? 0, steps: 1)
        let coordinates = points.map { point in
            let x = Double(width - 2) * Double(point.time - first) / Double(last - first) + 1
            let y = Double(height - 2) * (1 - point.value / ceiling) + 1
            return "\(coordinate(x)),\(coordinate(y))"
        }
        return #"<svg class="sparkline" viewBox="0 0 \#(width) \#(height)" aria-hidden="true"><polyline class="line s0" points="\#(coordinates.joined(separator: " "))"/></svg>"#
    }

    /// The smallest `steps` × (1, 2 or 5 × 10ⁿ) at or above `value`, so each grid line gets a round
    /// label; `steps` for an empty or all-zero series.
    static func niceCeiling(_ value: Double, steps: Int) -> Double {
        let count = Double(max(1, steps))
        guard value.isFinite, value > 0 else { return count }
        let rawStep = value / count
        var magnitude = 1.0
        while magnitude * 10 <= rawStep { magnitude *= 10 }
        while magnitude > rawStep { magnitude /= 10 }
        let step = [1.0, 2.0, 5.0, 10.0].first { $0 * magnitude >= rawStep } ?? 10
        return step * magnitude * count
    }

    private static func coordinate(_ value: Double) -> String {
        String(Double((value * 10).rounded()) / 10)
    }
}
