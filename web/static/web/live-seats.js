// Seats left, live: the page's slots follow `slotUpdated` over the platform's own WebSocket (graphql-ws,
// authenticated by the session cookie). Without script the page shows the seats as they were when it was served.
(function () {
  "use strict";
  var config = document.getElementById("live-seats");
  if (!config || !window.graphqlWs) return;
  config = JSON.parse(config.textContent);
  if (!config || !config.query) return;
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var client = window.graphqlWs.createClient({
    url: scheme + window.location.host + "/graphql",
    retryAttempts: 1000,
    on: {
      connected: function () {
        document.documentElement.setAttribute("data-live", "connected");
      },
    },
  });

  function words(slot) {
    if (slot.status !== "OPEN") return "Annulé";
    if (slot.seatsLeft <= 0) return "Complet";
    return slot.seatsLeft + (slot.seatsLeft > 1 ? " places" : " place") + " sur " + slot.capacity;
  }

  client.subscribe(
    { query: config.query, variables: config.variables },
    {
      next: function (result) {
        var slot = result.data && result.data.slotUpdated;
        if (!slot) return;
        document.querySelectorAll('[data-seats-of="' + slot.id + '"]').forEach(function (element) {
          element.textContent = words(slot);
        });
      },
      error: function () {},
      complete: function () {},
    }
  );
})();
