package import Foundation

/// A header table or queue/exchange argument table, as AMQP 0-9-1 field tables carry them.
package typealias AMQPTable = [String: AMQPFieldValue]

/// One value in an AMQP field table (headers, `x-` arguments).
///
/// Each case maps to one wire type, so a table read back from the broker equals the table that was published.
/// Integers keep their width: `x-message-ttl` is usually `.int32` or `.int64`, `x-death.count` arrives as `.int64`.
/// `.timestamp` has whole-second precision on the wire: sub-second parts are dropped when written.
package enum AMQPFieldValue: Sendable, Equatable {
    case string(String)
    case bytes([UInt8])
    case bool(Bool)
    case int8(Int8)
    case uint8(UInt8)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case float(Float)
    case double(Double)
    /// A decimal: `value` × 10^-`scale`.
    case decimal(scale: UInt8, value: UInt32)
    case timestamp(Date)
    case table(AMQPTable)
    case array([AMQPFieldValue])
    case void

    /// The value as a string, when it is one.
    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value as an `Int64`, for any integer width.
    package var int64Value: Int64? {
        switch self {
        case .int8(let value): Int64(value)
        case .uint8(let value): Int64(value)
        case .int16(let value): Int64(value)
        case .uint16(let value): Int64(value)
        case .int32(let value): Int64(value)
        case .uint32(let value): Int64(value)
        case .int64(let value): value
        default: nil
        }
    }
}
