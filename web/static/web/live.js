// The live parts of a page, over the platform's own WebSocket (graphql-ws, authenticated by the session cookie).
// The page gives its subscriptions in #live (documents of web/graphql/, one or a list) and what to do with each
// event:
// - "seats": the slot's seat counts ([data-seats-of]) are rewritten from the event;
// - otherwise the part marked [data-live-region] is fetched again from the server and replaced (htmx), so
//   what it shows is always what the server renders (an optional `match` keeps only the page's own events).
// Without script, reloading the page does the same.
(function () {
  "use strict";
  var element = document.getElementById("live");
  if (!element || !window.graphqlWs) return;
  var parsed = JSON.parse(element.textContent);
  var configs = (Array.isArray(parsed) ? parsed : [parsed]).filter(function (config) {
    return config && config.query;
  });
  if (!configs.length) return;
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var client = window.graphqlWs.createClient({
    url: scheme + window.location.host + "/graphql",
    retryAttempts: 1000,
    on: {
      connected: function () {
        document.documentElement.setAttribute("data-live", "connected");
        // What changed between the page being served and the subscriptions being in place (or while the
        // socket was away) is fetched once, a moment after connecting: no event is lost in between.
        window.setTimeout(function () {
          var ready = function () { document.documentElement.setAttribute("data-live", "ready"); };
          if (configs.some(function (config) { return config.mode !== "seats"; })) refresh(ready);
          else ready();
        }, 1000);
      },
    },
  });

  function seatsInWords(slot) {
    if (slot.status !== "OPEN") return "Annulé";
    if (slot.seatsLeft <= 0) return "Complet";
    return slot.seatsLeft + (slot.seatsLeft > 1 ? " places" : " place") + " sur " + slot.capacity;
  }

  function concerns(config, data) {
    if (!config.match) return true;
    var value = data;
    config.match.path.forEach(function (key) {
      value = value && value[key];
    });
    return value === config.match.equals;
  }

  function onEvent(config, result) {
    var data = result.data;
    if (!data || !concerns(config, data)) return;
    if (config.mode === "seats") {
      var slot = data.slotUpdated;
      document.querySelectorAll('[data-seats-of="' + slot.id + '"]').forEach(function (seats) {
        seats.textContent = seatsInWords(slot);
      });
    } else {
      refresh();
    }
  }

  // One refresh at a time: an event that comes while one is on its way asks for one more after it. (Left to
  // htmx, the second request would wait in its queue holding the region it found when asked, which the first
  // then replaces: it would be swapped into a part no longer on the page, and the event would be lost.)
  var refreshing = false;
  var again = [];
  function refresh(then) {
    if (!window.htmx || !document.querySelector("[data-live-region]")) {
      if (then) then();
      return;
    }
    if (refreshing) {
      again.push(then || function () {});
      return;
    }
    refreshing = true;
    var done = function () {
      refreshing = false;
      if (then) then();
      if (again.length) {
        var waiting = again;
        again = [];
        refresh(function () { waiting.forEach(function (callback) { callback(); }); });
      }
    };
    window.htmx
      .ajax("GET", window.location.pathname + window.location.search, {
        target: "[data-live-region]",
        select: "[data-live-region]",
        swap: "outerHTML",
      })
      .then(done, done);
  }

  configs.forEach(function (config) {
    client.subscribe(
      { query: config.query, variables: config.variables },
      { next: function (result) { onEvent(config, result); }, error: function () {}, complete: function () {} }
    );
  });
})();
