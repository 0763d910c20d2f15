/// JSON authentication events: users logging in from their home city, the occasional mistyped password,
/// and two kinds of incident a security pipeline should find:
/// - failed-login bursts: every `burstEvery` ordinary events, an attacker's address tries one user's
///   password 12 to 25 times, a few seconds apart (sometimes getting in at the end);
/// - impossible travel: every `travelEvery` ordinary events, a user logs in at home and, 2 to 8 minutes
///   later, from a city on another continent.
/// Incident events are interleaved with ordinary traffic in event-time order.
///
/// ```json
/// {"ts":"2026-11-25T10:00:00.250Z","event":"login","user":"anna.schmidt","src_ip":"91.12.4.77","country":"DE",
///  "city":"Berlin","lat":52.52,"lon":13.4,"outcome":"failure","reason":"bad_password","method":"password","user_agent":"…"}
/// ```
public struct AuthLogGenerator: SampleLogGenerator {
    private struct City {
        var name: String
        var country: String
        var latitude: Double
        var longitude: Double
        var addressPrefix: String
    }

    private struct Login {
        var dueMillis: Int64
        var user: Int
        var city: City
        var address: String
        var succeeded: Bool
        var reason: String
    }

    private var random: SeededRandom
    private var clockMillis: Int64
    private let meanGapMillis: Double
    private let burstEvery: Int
    private let travelEvery: Int
    private let users: [(name: String, home: City, address: String, agent: String)]
    private var pending: [Login] = []
    private var ordinary = 0

    public init(seed: UInt64, startMillis: Int64, eventsPerSecond: Double = 5, burstEvery: Int = 400, travelEvery: Int = 300) {
        var random = SeededRandom(seed: seed)
        users = (0..<300).map { index in
            let home = random.pick(Array(Self.cities.prefix(10)))
            let name = "\(Self.firstNames[index % Self.firstNames.count]).\(Self.lastNames[index / Self.firstNames.count % Self.lastNames.count])"
            return (name, home, Self.address(in: home, &random), random.pick(WebTrafficGenerator.agents))
        }
        self.random = random
        self.clockMillis = startMillis
        self.meanGapMillis = 1000 / max(0.001, eventsPerSecond)
        self.burstEvery = max(0, burstEvery)
        self.travelEvery = max(0, travelEvery)
    }

    public mutating func next() -> SampleRecord {
        clockMillis += Int64(random.exponential(mean: meanGapMillis).rounded())
        if let due = pending.first, due.dueMillis <= clockMillis {
            pending.removeFirst()
            return record(due, at: clockMillis)
        }
        ordinary += 1
        if burstEvery > 0, ordinary % burstEvery == 0 { scheduleBurst() }
        if travelEvery > 0, ordinary % travelEvery == 0 { return scheduleTravel() }
        let user = random.below(users.count)
        let travelling = random.chance(0.1)
        let city = travelling ? sameCountryCity(as: users[user].home) : users[user].home
        let address = travelling ? Self.address(in: city, &random) : users[user].address
        let succeeded = random.chance(0.96)
        return record(Login(dueMillis: clockMillis, user: user, city: city, address: address, succeeded: succeeded,
                            reason: succeeded ? "" : "bad_password"), at: clockMillis)
    }

    private mutating func scheduleBurst() {
        let user = random.below(users.count)
        let origin = random.pick(Self.attackerCities)
        let address = Self.address(in: origin, &random)
        let attempts = 12 + random.below(14)
        let breaksIn = random.chance(0.3)
        var due = clockMillis
        for attempt in 0..<attempts {
            due += 1000 + Int64(random.below(3000))
            let succeeded = breaksIn && attempt == attempts - 1
            schedule(Login(dueMillis: due, user: user, city: origin, address: address, succeeded: succeeded,
                           reason: succeeded ? "" : random.weighted([("bad_password", 8), ("mfa_failed", 1)])))
        }
    }

    /// The home login now; the far-away one later.
    private mutating func scheduleTravel() -> SampleRecord {
        let index = random.below(users.count)
        let user = users[index]
        let far = random.pick(Self.cities.filter { $0.country != user.home.country && abs($0.longitude - user.home.longitude) > 60 })
        schedule(Login(dueMillis: clockMillis + 120_000 + Int64(random.below(360_000)), user: index, city: far,
                       address: Self.address(in: far, &random), succeeded: true, reason: ""))
        return record(Login(dueMillis: clockMillis, user: index, city: user.home, address: user.address, succeeded: true, reason: ""),
                      at: clockMillis)
    }

    private mutating func schedule(_ login: Login) {
        let index = pending.firstIndex { $0.dueMillis > login.dueMillis } ?? pending.count
        pending.insert(login, at: index)
    }

    private mutating func sameCountryCity(as home: City) -> City {
        random.pick(Self.cities.filter { $0.country == home.country })
    }

    private func record(_ login: Login, at time: Int64) -> SampleRecord {
        let user = users[login.user]
        var line = JSONLine()
        line.add("ts", isoTime(time))
        line.add("event", "login")
        line.add("user", user.name)
        line.add("src_ip", login.address)
        line.add("country", login.city.country)
        line.add("city", login.city.name)
        line.add("lat", login.city.latitude, decimals: 2)
        line.add("lon", login.city.longitude, decimals: 2)
        line.add("outcome", login.succeeded ? "success" : "failure")
        if !login.succeeded { line.add("reason", login.reason) }
        line.add("method", login.city.country == user.home.country ? "password+mfa" : "password")
        line.add("user_agent", user.agent)
        return SampleRecord(key: user.name, value: line.line, timestampMillis: time)
    }

    private static func address(in city: City, _ random: inout SeededRandom) -> String {
        "\(city.addressPrefix).\(random.below(256)).\(random.below(256)).\(1 + random.below(254))"
    }

    /// The first ten are where users live; all of them are places users travel to.
    private static let cities: [City] = [
        City(name: "Berlin", country: "DE", latitude: 52.52, longitude: 13.40, addressPrefix: "91"),
        City(name: "Munich", country: "DE", latitude: 48.14, longitude: 11.58, addressPrefix: "91"),
        City(name: "Paris", country: "FR", latitude: 48.86, longitude: 2.35, addressPrefix: "88"),
        City(name: "Lyon", country: "FR", latitude: 45.76, longitude: 4.84, addressPrefix: "88"),
        City(name: "London", country: "GB", latitude: 51.51, longitude: -0.13, addressPrefix: "81"),
        City(name: "Manchester", country: "GB", latitude: 53.48, longitude: -2.24, addressPrefix: "81"),
        City(name: "New York", country: "US", latitude: 40.71, longitude: -74.01, addressPrefix: "73"),
        City(name: "Chicago", country: "US", latitude: 41.88, longitude: -87.63, addressPrefix: "73"),
        City(name: "San Francisco", country: "US", latitude: 37.77, longitude: -122.42, addressPrefix: "73"),
        City(name: "Toronto", country: "CA", latitude: 43.65, longitude: -79.38, addressPrefix: "99"),
        City(name: "São Paulo", country: "BR", latitude: -23.55, longitude: -46.63, addressPrefix: "177"),
        City(name: "Sydney", country: "AU", latitude: -33.87, longitude: 151.21, addressPrefix: "101"),
        City(name: "Tokyo", country: "JP", latitude: 35.68, longitude: 139.69, addressPrefix: "126"),
        City(name: "Singapore", country: "SG", latitude: 1.35, longitude: 103.82, addressPrefix: "116"),
        City(name: "Mumbai", country: "IN", latitude: 19.08, longitude: 72.88, addressPrefix: "117"),
    ]
    private static let attackerCities: [City] = [
        City(name: "Amsterdam", country: "NL", latitude: 52.37, longitude: 4.90, addressPrefix: "185"),
        City(name: "Bucharest", country: "RO", latitude: 44.43, longitude: 26.10, addressPrefix: "45"),
        City(name: "Ho Chi Minh City", country: "VN", latitude: 10.82, longitude: 106.63, addressPrefix: "14"),
    ]
    private static let firstNames = ["anna", "ben", "chloe", "david", "emma", "felix", "grace", "hugo", "ines", "jonas",
                                     "kate", "liam", "maria", "noah", "olivia", "paul", "quinn", "rosa", "sam", "tara"]
    private static let lastNames = ["schmidt", "martin", "smith", "johnson", "dubois", "weber", "brown", "garcia", "muller",
                                    "taylor", "moreau", "wilson", "lopez", "fischer", "clark"]
}
