extension JSONValue {
    /// Parses a JSON document, keeping member order and the integer / float distinction.
    ///
    /// - Throws: ``JSONParseError`` with the byte offset of the problem.
    package init(parsing bytes: some Sequence<UInt8>) throws(JSONParseError) {
        var parser = JSONParser(bytes: Array(bytes))
        self = try parser.parseDocument()
    }

    /// Parses a JSON document held in a string.
    package init(parsing text: String) throws(JSONParseError) {
        try self.init(parsing: text.utf8)
    }
}
