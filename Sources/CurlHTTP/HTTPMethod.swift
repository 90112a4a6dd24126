/// An HTTP request method; a struct rather than an enum so unusual methods stay expressible.
package struct HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    /// The method token as sent on the wire, for example `POST`.
    package let rawValue: String

    package init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    package static let get = HTTPMethod("GET")
    package static let head = HTTPMethod("HEAD")
    package static let post = HTTPMethod("POST")
    package static let put = HTTPMethod("PUT")
    package static let patch = HTTPMethod("PATCH")
    package static let delete = HTTPMethod("DELETE")

    package var description: String { rawValue }

    /// Whether the token is a valid RFC 9110 method name, so it cannot smuggle spaces or line breaks.
    var isValidToken: Bool {
        !rawValue.isEmpty
            && rawValue.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }
}
