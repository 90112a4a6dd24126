import Testing

/// The operator-command suites run one test at a time: each starts child processes and a private virtual host, and
/// the machine has two cores.
@Suite("Operator commands integration", .serialized)
enum OperatorCommandsIntegration {}
