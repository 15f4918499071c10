/* Draw the case's diagram with bpmn-js and mark what is done, waiting and overdue. */
(function () {
  "use strict";
  var container = document.getElementById("diagram");
  if (!container) { return; }
  var fallback = container.querySelector(".diagram-fallback");
  if (typeof window.BpmnJS !== "function") {
    fallback.textContent = "Chưa cài trình xem sơ đồ (bpmn-js); hãy chạy «make setup».";
    return;
  }
  var viewer = new window.BpmnJS({ container: container });
  function ids(name) { return JSON.parse(container.getAttribute("data-" + name) || "[]"); }
  fetch(container.getAttribute("data-xml-url"), { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      [["completed", "done"], ["active", "active"], ["overdue", "overdue"]].forEach(function (pair) {
        ids(pair[0]).forEach(function (id) {
          var element = registry.get(id);
          if (!element) { return; }
          // a (sub)process only gets a coloured border, so the steps inside it stay readable
          var container = element.type === "bpmn:SubProcess" || element.type === "bpmn:Participant";
          canvas.addMarker(id, container ? pair[1] + "-container" : pair[1]);
        });
      });
      if (fallback) { fallback.remove(); }
      container.setAttribute("data-ready", "true");
    })
    .catch(function (error) {
      fallback.textContent = "Không vẽ được sơ đồ: " + error.message;
      container.setAttribute("data-ready", "error");
    });
})();
