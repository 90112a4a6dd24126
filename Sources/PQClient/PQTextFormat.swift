internal import Foundation

/// Conversions between Swift values and PostgreSQL's text formats that need more than `String(describing:)`.
///
/// Written by hand (no formatters, no C time functions) so they are exact, thread-safe and locale-free.
enum PQTextFormat {
    // MARK: timestamptz

    /// Formats a date as ISO 8601 in UTC with microseconds, e.g. `2024-05-01T12:30:00.123456Z`.
    static func timestamp(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (seconds, fraction) = floorDivision(micros, 1_000_000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let hour = secondOfDay / 3600
        let minute = secondOfDay % 3600 / 60
        let second = secondOfDay % 60
        let yearText = year < 0 ? "-" + pad(-year, 4) : pad(year, 4)
        return "\(yearText)-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
            + ".\(pad(fraction, 6))Z"
    }

    /// Parses PostgreSQL's `timestamptz`/`timestamp` output (`2024-05-01 12:30:00.5+03:00`, `... +00`, `...Z`).
    ///
    /// A missing offset is read as UTC. `infinity` and `-infinity` map to `Date.distantFuture`/`distantPast`.
    /// BC dates are rejected.
    static func parseTimestamp(_ text: String) -> Date? {
        switch text {
        case "infinity": return .distantFuture
        case "-infinity": return .distantPast
        default: break
        }
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(minDigits: 4, maxDigits: 9), scanner.skip("-"),
            let month = scanner.number(exactDigits: 2), scanner.skip("-"),
            let day = scanner.number(exactDigits: 2), scanner.skip(" ") || scanner.skip("T"),
            let hour = scanner.number(exactDigits: 2), scanner.skip(":"),
            let minute = scanner.number(exactDigits: 2), scanner.skip(":"),
            let second = scanner.number(exactDigits: 2),
            (1...12).contains(month), (1...31).contains(day), hour <= 24, minute < 60, second < 61
        else { return nil }
        var micros: Int64 = 0
        if scanner.skip(".") {
            let start = scanner.position
            guard let fraction = scanner.number(minDigits: 1, maxDigits: 9), !scanner.startsWithDigit else {
                return nil
            }
            let digits = scanner.position - start
            micros = digits <= 6 ? fraction * power(10, 6 - digits) : fraction / power(10, digits - 6)
        }
        var offsetSeconds: Int64 = 0
        if scanner.skip("Z") {
            offsetSeconds = 0
        } else if let sign = scanner.sign() {
            guard let offsetHours = scanner.number(exactDigits: 2) else { return nil }
            var offset = offsetHours * 3600
            if scanner.skip(":") {
                guard let offsetMinutes = scanner.number(exactDigits: 2) else { return nil }
                offset += offsetMinutes * 60
                if scanner.skip(":") {
                    guard let offsetSecondsPart = scanner.number(exactDigits: 2) else { return nil }
                    offset += offsetSecondsPart
                }
            } else if let compactMinutes = scanner.number(exactDigits: 2) {
                offset += compactMinutes * 60
            }
            offsetSeconds = sign * offset
        }
        guard scanner.isAtEnd else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let localSeconds = days * 86_400 + hour * 3600 + minute * 60 + second
        let utcSeconds = localSeconds - offsetSeconds
        return Date(timeIntervalSince1970: Double(utcSeconds) + Double(micros) / 1_000_000)
    }

    // MARK: bytea

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Formats bytes as bytea hex input: `\x` followed by two lowercase hex digits per byte.
    static func byteaHex(_ bytes: some Collection<UInt8>) -> String {
        var utf8: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        utf8.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            utf8.append(hexDigits[Int(byte >> 4)])
            utf8.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Parses bytea hex output (`\x0aff`), the server default since PostgreSQL 9.0.
    static func parseByteaHex(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0
        else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    // MARK: float8

    /// Formats a double the way `float8` input accepts it, keeping every bit (`Infinity`, `NaN` included).
    static func double(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return String(value)
    }

    /// Parses `float8` output, including `Infinity`, `-Infinity` and `NaN`.
    static func parseDouble(_ text: String) -> Double? {
        switch text {
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }

    // MARK: calendar arithmetic (proleptic Gregorian, Howard Hinnant's algorithms)

    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivision(shiftedYear, 400).quotient
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDivision(shifted, 146_097).quotient
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = value / divisor
        var remainder = value % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }

    private static func power(_ base: Int64, _ exponent: Int) -> Int64 {
        (0..<exponent).reduce(1) { product, _ in product * base }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// A cursor over ASCII bytes for the timestamp parser.
private struct DigitScanner {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { position == bytes.count }

    var startsWithDigit: Bool {
        position < bytes.count && bytes[position] >= UInt8(ascii: "0") && bytes[position] <= UInt8(ascii: "9")
    }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    /// Consumes `+` or `-` and returns 1 or -1.
    mutating func sign() -> Int64? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }

    mutating func number(exactDigits: Int) -> Int64? {
        number(minDigits: exactDigits, maxDigits: exactDigits)
    }

    /// Reads between `minDigits` and `maxDigits` decimal digits (at most 18, so the value fits).
    mutating func number(minDigits: Int, maxDigits: Int = 18) -> Int64? {
        let start = position
        var value: Int64 = 0
        while position < bytes.count, position - start < min(maxDigits, 18),
            bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9")
        {
            value = value * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
            position += 1
        }
        guard position - start >= minDigits else {
            position = start
            return nil
        }
        return value
    }
}
