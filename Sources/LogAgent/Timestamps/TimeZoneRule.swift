import Foundation

/// The zone a wall-clock time without an offset is read in.
public enum TimeZoneRule: Sendable, Equatable {
    case utc
    case fixed(secondsEast: Int)
    /// An IANA zone, with its daylight-saving rules.
    case named(TimeZone)

    /// `UTC`, `local`, an IANA name like `Europe/Berlin`, or a fixed offset like `+02:00`; nil
    /// when none of these.
    public init?(name: String) {
        if name == "UTC" || name == "utc" || name == "Z" {
            self = .utc
        } else if name == "local" {
            self = .named(TimeZone.current)
        } else if let offset = TextScanner.parseWhole(name, { $0.zoneOffset() }) {
            self = .fixed(secondsEast: offset)
        } else if let zone = TimeZone(identifier: name) {
            self = .named(zone)
        } else {
            return nil
        }
    }

    /// The instant (ms since the epoch) a wall-clock time denotes in this zone. In a named zone's
    /// gap or overlap around a daylight-saving change the offset in force just before is used.
    public func instant(of wallClock: CivilTime) -> Int64 {
        let asUTC = wallClock.millisecondsSinceEpochAsUTC
        switch self {
        case .utc: return asUTC
        case .fixed(let secondsEast): return asUTC - Int64(secondsEast) * 1000
        case .named(let zone):
            let firstGuess = asUTC - Int64(offset(of: zone, at: asUTC)) * 1000
            return asUTC - Int64(offset(of: zone, at: firstGuess)) * 1000
        }
    }

    /// The year the wall clock shows in this zone at an instant.
    func year(at instant: Int64) -> Int {
        switch self {
        case .utc: return CivilTime(utcMilliseconds: instant).year
        case .fixed(let secondsEast): return CivilTime(utcMilliseconds: instant + Int64(secondsEast) * 1000).year
        case .named(let zone): return CivilTime(utcMilliseconds: instant + Int64(offset(of: zone, at: instant)) * 1000).year
        }
    }

    private func offset(of zone: TimeZone, at instant: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant) / 1000))
    }
}
