// Subscribe with the standard graphql-ws client, print "connected", then the first result as JSON, and exit.
// Usage: node subscribe.mjs <ws-url> <token or ""> <query> <variables-json>
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, token, query, variables] = process.argv.slice(2);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  retryAttempts: 0,
  on: { connected: (socket) => console.log(`connected ${socket.protocol}`) },
});
const timer = setTimeout(() => { console.error("timeout"); process.exit(2); }, 20000);
client.subscribe(
  { query, variables: JSON.parse(variables) },
  {
    next: (result) => { console.log(JSON.stringify(result)); clearTimeout(timer); client.dispose(); process.exit(0); },
    error: (error) => { console.error(JSON.stringify(error)); process.exit(1); },
    complete: () => {},
  },
);
