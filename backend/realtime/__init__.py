"""Realtime: GraphQL subscriptions over WebSocket (graphql-transport-ws) on Channels.

- `events.publish(topic, key)`: what domain services call, after commit, when an object changes.
- `consumer.GraphQLTransportWSConsumer`: the protocol endpoint at /graphql.
- `subscriptions`: helpers for the apps' subscription fields (`listen`, `EventNotVisible`).
"""
