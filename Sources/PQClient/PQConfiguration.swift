internal import Foundation

/// Where and how to connect to PostgreSQL, parsed from a `postgres://` URL.
///
/// The values are passed to libpq as keyword/value arrays (`PQconnectdbParams`), never as a hand-built conninfo
/// string, so no escaping is involved. A `connect_timeout` is always set, because connecting blocks a thread.
///
/// Configuration keys (URL form): `postgres://user:password@host:port/database?sslmode=require&connect_timeout=5`
/// (the scheme may also be `postgresql`). Every query item is passed to libpq as a connection keyword
/// (`sslmode`, `connect_timeout`, `application_name`, `options`, `host` for a socket folder, ...).
package struct PQConfiguration: Sendable, Equatable, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var user: String?
    package var password: String?
    package var database: String?
    /// Seconds libpq may spend connecting (DNS, TCP, TLS, authentication) before failing.
    package var connectTimeoutSeconds: Int
    /// Further libpq connection keywords, e.g. `sslmode`.
    package var options: [String: String]

    package init(
        host: String = "127.0.0.1",
        port: Int = 5432,
        user: String? = nil,
        password: String? = nil,
        database: String? = nil,
        connectTimeoutSeconds: Int = 10,
        options: [String: String] = [:]
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.options = options
    }

    /// Parses `postgres://user:password@host:port/database?key=value`.
    ///
    /// - Throws: ``PQError`` `.invalidURL`; the message never repeats the URL, which may hold a password.
    package init(url: String) throws(PQError) {
        guard let components = URLComponents(string: url) else {
            throw Self.invalid("it is not a valid URL")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw Self.invalid("the scheme must be postgres:// or postgresql://")
        }
        var host = components.percentEncodedHost.flatMap { $0.removingPercentEncoding } ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        var options: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard !item.name.isEmpty else { throw Self.invalid("a query item has no name") }
            options[item.name] = item.value ?? ""
        }
        if host.isEmpty {
            guard let socketHost = options.removeValue(forKey: "host") else {
                throw Self.invalid("it names no host")
            }
            host = socketHost
        }
        var connectTimeout = 10
        if let timeoutText = options.removeValue(forKey: "connect_timeout") {
            guard let seconds = Int(timeoutText), seconds > 0 else {
                throw Self.invalid("connect_timeout must be a positive number of seconds")
            }
            connectTimeout = seconds
        }
        let path = components.percentEncodedPath
        let databaseName = path.hasPrefix("/") ? String(path.dropFirst()) : path
        guard let database = databaseName.removingPercentEncoding else {
            throw Self.invalid("the database name is not valid percent-encoding")
        }
        guard let user = components.percentEncodedUser.map({ $0.removingPercentEncoding }) ?? .some(nil),
            let password = components.percentEncodedPassword.map({ $0.removingPercentEncoding }) ?? .some(nil)
        else {
            throw Self.invalid("the user or password is not valid percent-encoding")
        }
        self.init(
            host: host,
            port: components.port ?? 5432,
            user: user.flatMap { $0.isEmpty ? nil : $0 },
            password: password,
            database: database.isEmpty ? nil : database,
            connectTimeoutSeconds: connectTimeout,
            options: options
        )
    }

    /// The keyword/value pairs handed to `PQconnectdbParams`, in a stable order.
    var connectionParameters: [(keyword: String, value: String)] {
        var pairs: [(keyword: String, value: String)] = [
            ("host", host),
            ("port", String(port)),
            ("connect_timeout", String(connectTimeoutSeconds)),
        ]
        if let user { pairs.append(("user", user)) }
        if let password { pairs.append(("password", password)) }
        if let database { pairs.append(("dbname", database)) }
        for key in options.keys.sorted() {
            pairs.append((key, options[key] ?? ""))
        }
        return pairs
    }

    /// The URL with the password replaced, safe for logs.
    package var description: String {
        let credentials = user.map { name in password == nil ? "\(name)@" : "\(name):***@" } ?? ""
        let query = options.keys.sorted()
            .map { key in key == "password" ? "\(key)=***" : "\(key)=\(options[key] ?? "")" }
            .joined(separator: "&")
        return "postgres://\(credentials)\(host):\(port)/\(database ?? "")" + (query.isEmpty ? "" : "?\(query)")
    }

    private static func invalid(_ reason: String) -> PQError {
        PQError(code: .invalidURL, message: "the database URL is invalid: \(reason)")
    }
}
