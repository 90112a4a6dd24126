#ifndef CRABBITMQ_SHIM_H
#define CRABBITMQ_SHIM_H
// rabbitmq-c >= 0.12 moved its headers under rabbitmq-c/; Debian 12 ships 0.11 with flat names.
#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/tcp_socket.h>
#include <rabbitmq-c/framing.h>
#else
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <amqp_framing.h>
#endif

/// `amqp_login` is variadic, which Swift cannot call: this fixes the PLAIN mechanism's two arguments.
static inline amqp_rpc_reply_t camqp_login_plain(amqp_connection_state_t state, const char *vhost, int channel_max,
                                                 int frame_max, int heartbeat, const char *user,
                                                 const char *password) {
    return amqp_login(state, vhost, channel_max, frame_max, heartbeat, AMQP_SASL_METHOD_PLAIN, user, password);
}

/// `amqp_login_with_properties` with PLAIN: the client properties carry the capabilities (consumer_cancel_notify,
/// authentication_failure_close) without which RabbitMQ never tells a consumer that its queue was deleted.
static inline amqp_rpc_reply_t camqp_login_plain_with_properties(amqp_connection_state_t state, const char *vhost,
                                                                 int channel_max, int frame_max, int heartbeat,
                                                                 const amqp_table_t *properties, const char *user,
                                                                 const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}
#endif
