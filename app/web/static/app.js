/* Progressive enhancement only: every form works without it by posting indexed names. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");  /* the phone's menu folds away only when it can be opened */

  function renumber(container) {
    var empty = container.querySelector(":scope > [data-empty]");
    var items = container.querySelectorAll(":scope > [data-items] > [data-item]");
    if (empty) { empty.hidden = items.length > 0; }
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".menu-toggle");
    if (toggle) {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      toggle.closest(".top").classList.toggle("open", open);
      return;
    }
    var add = event.target.closest("[data-add]");
    if (add) {
      var array = add.closest("[data-array]");
      var template = array.querySelector(":scope > template");
      var index = parseInt(array.getAttribute("data-next") || "0", 10);
      var token = array.getAttribute("data-token");
      var html = template.innerHTML.split(token).join(String(index));
      array.setAttribute("data-next", String(index + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var item = holder.firstElementChild;
      array.querySelector(":scope > [data-items]").appendChild(item);
      renumber(array);
      var first = item.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
      return;
    }
    var remove = event.target.closest("[data-remove]");
    if (remove) {
      var owner = remove.closest("[data-array]");
      remove.closest("[data-item]").remove();
      renumber(owner);
      var button = owner.querySelector(":scope > [data-add]");
      if (button) { button.focus(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("form-errors");
    if (summary) { summary.focus(); }
  });
})();
