package import SyncCore

/// One command of a `batch` request: a name the results are keyed by, a method and its parameters.
package struct Bitrix24BatchCommand: Sendable {
    package var name: String
    package var method: String
    package var params: JSONObject

    package init(name: String, method: String, params: JSONObject) {
        self.name = name
        self.method = method
        self.params = params
    }

    /// The `cmd[name]` value: `method?query` with PHP-style brackets, encoded once.
    var encoded: String {
        params.isEmpty ? method : method + "?" + Bitrix24QueryEncoding.queryString(params)
    }
}

/// What a `batch` answered, per command: its result or its error, and its own `time` block.
package struct Bitrix24BatchResponse: Sendable {
    package var results: [String: Result<Bitrix24Response, Bitrix24Error>]
    /// The outer call's timing (the outer `batch` is not accounted against any method's operating time).
    package var time: Bitrix24Timing

    package init(results: [String: Result<Bitrix24Response, Bitrix24Error>], time: Bitrix24Timing) {
        self.results = results
        self.time = time
    }

    /// The outcome of the command named `name`; a command the portal did not run (after `halt`) is missing.
    package subscript(name: String) -> Result<Bitrix24Response, Bitrix24Error>? {
        results[name]
    }

    /// The outcome of the command named `name`, or an error saying the portal did not run it.
    package func outcome(of name: String) -> Result<Bitrix24Response, Bitrix24Error> {
        results[name]
            ?? .failure(Bitrix24Error(code: .other, message: "the portal did not run command \(name) of the batch"))
    }
}
