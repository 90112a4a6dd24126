/// Placeholder until the module gains its first type.
enum EventGatewayModule {}
