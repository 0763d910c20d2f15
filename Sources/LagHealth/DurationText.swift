/// Durations for people: "850 ms", "45 s", "3 min 20 s", "2 h 5 min".
public enum DurationText {
    public static func format(milliseconds: Int64) -> String {
        let value = max(0, milliseconds)
        if value < 1000 { return "\(value) ms" }
        let seconds = value / 1000
        if seconds < 60 { return "\(seconds) s" }
        let minutes = seconds / 60
        if minutes < 60 { return seconds % 60 == 0 ? "\(minutes) min" : "\(minutes) min \(seconds % 60) s" }
        let hours = minutes / 60
        return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min"
    }
}
