import Testing

/// Every write-path suite shares `sync.upsert` and `sync.delete`, so they run one test at a time under this parent.
@Suite("Write path integration", .serialized)
enum WritePathIntegration {}
