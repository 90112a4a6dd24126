/// ISO 8601 date-times as a portal writes them: whole seconds plus the portal's UTC offset,
/// e.g. `2026-02-24T10:15:03+03:00` (`api-reference/data-types.md`).
package struct PortalDateFormat: Sendable {
    /// The portal's offset from UTC in seconds.
    package let utcOffsetSeconds: Int

    package init(utcOffsetSeconds: Int) {
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// Formats Unix seconds (fraction dropped) in the portal's zone.
    package func string(fromUnix seconds: Double) -> String {
        let local = Int(seconds.rounded(.down)) + utcOffsetSeconds
        let days = Int((Double(local) / 86_400).rounded(.down))
        let secondOfDay = local - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        let sign = utcOffsetSeconds < 0 ? "-" : "+"
        let offset = abs(utcOffsetSeconds)
        return "\(Self.pad(year, 4))-\(Self.pad(month))-\(Self.pad(day))T"
            + "\(Self.pad(secondOfDay / 3600)):\(Self.pad(secondOfDay % 3600 / 60)):\(Self.pad(secondOfDay % 60))"
            + "\(sign)\(Self.pad(offset / 3600)):\(Self.pad(offset % 3600 / 60))"
    }

    /// Date only (`2026-02-24`), for `date` fields.
    package func dateString(fromUnix seconds: Double) -> String {
        String(string(fromUnix: seconds).prefix(10))
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS`, `YYYY-MM-DD HH:MM:SS`, with an optional `Z`/`±HH:MM` offset
    /// (none means the portal's zone); `DD.MM.YYYY[ HH:MM:SS]` is accepted too, as the portal does in filters.
    package func unixSeconds(from text: String) -> Double? {
        var text = Substring(text)
        var offset = utcOffsetSeconds
        if text.hasSuffix("Z") {
            offset = 0
            text = text.dropLast()
        } else if text.count > 19, let signIndex = text.lastIndex(where: { $0 == "+" || $0 == "-" }),
            text.distance(from: text.startIndex, to: signIndex) >= 16
        {
            let zone = text[text.index(after: signIndex)...].split(separator: ":")
            guard let hours = zone.first.flatMap({ Int($0) }) else { return nil }
            let minutes = zone.count > 1 ? Int(zone[1]) ?? 0 : 0
            offset = (hours * 3600 + minutes * 60) * (text[signIndex] == "-" ? -1 : 1)
            text = text[..<signIndex]
        }
        let parts = text.split(whereSeparator: { $0 == "T" || $0 == " " })
        guard let datePart = parts.first else { return nil }
        var dateFields = datePart.split(separator: "-").compactMap { Int($0) }
        if dateFields.count != 3 {
            let dotted = datePart.split(separator: ".").compactMap { Int($0) }
            guard dotted.count == 3 else { return nil }
            dateFields = [dotted[2], dotted[1], dotted[0]]
        }
        let timeFields = parts.count > 1 ? parts[1].split(separator: ":").compactMap { Int($0.prefix(2)) } : []
        let days = Self.days(fromCivil: dateFields[0], dateFields[1], dateFields[2])
        let hour = timeFields.count > 0 ? timeFields[0] : 0
        let minute = timeFields.count > 1 ? timeFields[1] : 0
        let second = timeFields.count > 2 ? timeFields[2] : 0
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
    }

    private static func pad(_ value: Int, _ width: Int = 2) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Howard Hinnant's days-from-civil algorithm.
    private static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let adjustedYear = month <= 2 ? year - 1 : year
        let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
        let yearOfEra = adjustedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
