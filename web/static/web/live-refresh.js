// A live part of a page: on each event of the page's subscription (graphql-ws over the platform's WebSocket,
// authenticated by the session cookie), the part marked `data-live-region` is fetched again from the server and
// replaced (htmx), so what it shows is always what the server renders. Without script, reloading the page does it.
(function () {
  "use strict";
  var config = document.getElementById("live-refresh");
  if (!config || !window.graphqlWs || !window.htmx) return;
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

  function concerns(result) {
    if (!config.match) return true;
    var value = result.data;
    config.match.path.forEach(function (key) {
      value = value && value[key];
    });
    return value === config.match.equals;
  }

  client.subscribe(
    { query: config.query, variables: config.variables },
    {
      next: function (result) {
        if (!result.data || !concerns(result)) return;
        window.htmx.ajax("GET", window.location.pathname, {
          target: "[data-live-region]",
          select: "[data-live-region]",
          swap: "outerHTML",
        });
      },
      error: function () {},
      complete: function () {},
    }
  );
})();
