internal import CRabbitMQ
import Foundation

/// Converts between Swift `AMQPTable`s and librabbitmq's `amqp_table_t`.
enum AMQPTableCodec {
    /// Builds a C table whose memory lives in `scratch` until it is recycled. Keys are sorted for a stable encoding.
    static func encode(_ table: AMQPTable, in scratch: AMQPScratchPool) -> amqp_table_t {
        guard !table.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = scratch.allocate(amqp_table_entry_t.self, count: table.count)
        for (index, key) in table.keys.sorted().enumerated() {
            entries[index].key = scratch.bytes(key)
            entries[index].value = encode(table[key]!, in: scratch)
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    static func encode(_ value: AMQPFieldValue, in scratch: AMQPScratchPool) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        func kind(_ kind: amqp_field_value_kind_t) { field.kind = UInt8(kind.rawValue) }
        switch value {
        case .string(let string):
            kind(AMQP_FIELD_KIND_UTF8)
            field.value.bytes = scratch.bytes(string)
        case .bytes(let bytes):
            kind(AMQP_FIELD_KIND_BYTES)
            field.value.bytes = scratch.bytes(bytes)
        case .bool(let flag):
            kind(AMQP_FIELD_KIND_BOOLEAN)
            field.value.boolean = flag ? 1 : 0
        case .int8(let number):
            kind(AMQP_FIELD_KIND_I8)
            field.value.i8 = number
        case .uint8(let number):
            kind(AMQP_FIELD_KIND_U8)
            field.value.u8 = number
        case .int16(let number):
            kind(AMQP_FIELD_KIND_I16)
            field.value.i16 = number
        case .uint16(let number):
            kind(AMQP_FIELD_KIND_U16)
            field.value.u16 = number
        case .int32(let number):
            kind(AMQP_FIELD_KIND_I32)
            field.value.i32 = number
        case .uint32(let number):
            kind(AMQP_FIELD_KIND_U32)
            field.value.u32 = number
        case .int64(let number):
            kind(AMQP_FIELD_KIND_I64)
            field.value.i64 = number
        case .float(let number):
            kind(AMQP_FIELD_KIND_F32)
            field.value.f32 = number
        case .double(let number):
            kind(AMQP_FIELD_KIND_F64)
            field.value.f64 = number
        case .decimal(let scale, let number):
            kind(AMQP_FIELD_KIND_DECIMAL)
            field.value.decimal = amqp_decimal_t(decimals: scale, value: number)
        case .timestamp(let date):
            kind(AMQP_FIELD_KIND_TIMESTAMP)
            field.value.u64 = UInt64(max(0, date.timeIntervalSince1970.rounded(.down)))
        case .table(let table):
            kind(AMQP_FIELD_KIND_TABLE)
            field.value.table = encode(table, in: scratch)
        case .array(let values):
            kind(AMQP_FIELD_KIND_ARRAY)
            let entries = scratch.allocate(amqp_field_value_t.self, count: values.count)
            for (index, element) in values.enumerated() { entries[index] = encode(element, in: scratch) }
            field.value.array = amqp_array_t(num_entries: Int32(values.count), entries: values.isEmpty ? nil : entries)
        case .void:
            kind(AMQP_FIELD_KIND_VOID)
        }
        return field
    }

    /// Copies a C table (which points into library memory) into Swift values.
    static func decode(_ table: amqp_table_t) -> AMQPTable {
        var result: AMQPTable = [:]
        guard let entries = table.entries, table.num_entries > 0 else { return result }
        for index in 0..<Int(table.num_entries) {
            let entry = entries[index]
            result[string(entry.key)] = decode(entry.value)
        }
        return result
    }

    static func decode(_ field: amqp_field_value_t) -> AMQPFieldValue {
        switch amqp_field_value_kind_t(UInt32(field.kind)) {
        case AMQP_FIELD_KIND_UTF8:
            let raw = bytes(field.value.bytes)
            if let text = String(validating: raw, as: UTF8.self) { return .string(text) }
            return .bytes(raw)
        case AMQP_FIELD_KIND_BYTES: return .bytes(bytes(field.value.bytes))
        case AMQP_FIELD_KIND_BOOLEAN: return .bool(field.value.boolean != 0)
        case AMQP_FIELD_KIND_I8: return .int8(field.value.i8)
        case AMQP_FIELD_KIND_U8: return .uint8(field.value.u8)
        case AMQP_FIELD_KIND_I16: return .int16(field.value.i16)
        case AMQP_FIELD_KIND_U16: return .uint16(field.value.u16)
        case AMQP_FIELD_KIND_I32: return .int32(field.value.i32)
        case AMQP_FIELD_KIND_U32: return .uint32(field.value.u32)
        case AMQP_FIELD_KIND_I64: return .int64(field.value.i64)
        case AMQP_FIELD_KIND_U64: return .int64(Int64(bitPattern: field.value.u64))
        case AMQP_FIELD_KIND_F32: return .float(field.value.f32)
        case AMQP_FIELD_KIND_F64: return .double(field.value.f64)
        case AMQP_FIELD_KIND_DECIMAL:
            return .decimal(scale: field.value.decimal.decimals, value: field.value.decimal.value)
        case AMQP_FIELD_KIND_TIMESTAMP:
            return .timestamp(Date(timeIntervalSince1970: TimeInterval(field.value.u64)))
        case AMQP_FIELD_KIND_TABLE: return .table(decode(field.value.table))
        case AMQP_FIELD_KIND_ARRAY:
            let array = field.value.array
            guard let entries = array.entries, array.num_entries > 0 else { return .array([]) }
            return .array((0..<Int(array.num_entries)).map { decode(entries[$0]) })
        default: return .void
        }
    }

    /// Copies the bytes an `amqp_bytes_t` points to.
    static func bytes(_ bytes: amqp_bytes_t) -> [UInt8] {
        guard let base = bytes.bytes, bytes.len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: bytes.len))
    }

    static func string(_ bytes: amqp_bytes_t) -> String {
        String(decoding: self.bytes(bytes), as: UTF8.self)
    }

    /// The table as the broker sees it on the wire (4-byte length prefix included); used by unit tests.
    static func wireBytes(of table: AMQPTable) throws(AMQPError) -> [UInt8] {
        let scratch = AMQPScratchPool()
        var cTable = encode(table, in: scratch)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        let status = buffer.withUnsafeMutableBytes { raw in
            amqp_encode_table(amqp_bytes_t(len: raw.count, bytes: raw.baseAddress), &cTable, &offset)
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError(
                .protocolError,
                "the table cannot be encoded: \(AMQPStatus.describe(status))",
                libraryStatus: status
            )
        }
        return Array(buffer[..<offset])
    }

    /// Decodes a table from its wire form (as produced by `wireBytes(of:)`); used by unit tests.
    static func table(fromWire wire: [UInt8]) throws(AMQPError) -> AMQPTable {
        let scratch = AMQPScratchPool()
        var cTable = amqp_table_t()
        var offset = 0
        var copy = wire
        let status = copy.withUnsafeMutableBytes { raw in
            amqp_decode_table(amqp_bytes_t(len: raw.count, bytes: raw.baseAddress), scratch.pool, &cTable, &offset)
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError(
                .protocolError,
                "the bytes are not a field table: \(AMQPStatus.describe(status))",
                libraryStatus: status
            )
        }
        return decode(cTable)
    }
}
