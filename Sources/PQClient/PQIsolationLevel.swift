/// The isolation level of a transaction started by ``PQConnection/withTransaction(isolationLevel:_:)``.
package enum PQIsolationLevel: Sendable, Hashable {
    /// PostgreSQL's default: each statement sees data committed before it started.
    case readCommitted
    /// One snapshot for the whole transaction; concurrent updates fail with `.serializationFailure`.
    case repeatableRead
    /// As if transactions ran one after another; be ready to retry on `.serializationFailure`.
    case serializable

    var sql: String {
        switch self {
        case .readCommitted: return "READ COMMITTED"
        case .repeatableRead: return "REPEATABLE READ"
        case .serializable: return "SERIALIZABLE"
        }
    }
}
