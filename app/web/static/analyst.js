/* The analyst's version page: the bpmn-js Modeler, lint marked on the elements, form editors with a live
   preview drawn by the server's own form renderer, and deploy. Nothing here decides what is valid: the
   server's lint and deploy do, this script only shows where. */
(function () {
  "use strict";
  var host = document.getElementById("modeler");
  if (!host) { return; }
  var statusLine = document.getElementById("analyst-status");
  var problemBox = document.getElementById("problems");
  var problemList = document.getElementById("problem-list");
  var lintButton = document.getElementById("lint-button");
  var deployButton = document.getElementById("deploy-button");
  var csrf = host.getAttribute("data-csrf");
  var marked = [];
  var ROOM = { top: 120, bottom: 120, left: 260, right: 120 };  // clear of the palette on the left

  function say(text, kind) {
    statusLine.textContent = text;
    statusLine.className = kind ? "status-" + kind : "muted";
  }

  // -- form editors and their live preview -----------------------------------------------------
  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  function preview(editor) {
    var box = editor.querySelector("[data-role=preview]");
    var data = new FormData();
    data.append("csrf_token", csrf);
    data.append("schema", editor.querySelector("[data-role=schema]").value);
    data.append("ui_schema", editor.querySelector("[data-role=ui]").value);
    return fetch(host.getAttribute("data-preview-url"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (response.headers.get("X-Form-Preview") !== "1") {
          throw new Error("máy chủ trả lời mã " + response.status);
        }
        return response.text();
      })
      .then(function (html) { box.innerHTML = html; editor.setAttribute("data-previewed", "true"); })
      .catch(function (error) {
        box.innerHTML = "";
        var p = document.createElement("p");
        p.className = "field-error";
        p.textContent = "Không xem trước được: " + error.message + ".";
        box.appendChild(p);
      });
  }

  function wire(editor) {
    var later = debounce(function () { preview(editor); }, 400);
    editor.querySelectorAll("textarea").forEach(function (area) { area.addEventListener("input", later); });
    editor.addEventListener("toggle", function () {
      if (editor.open && !editor.hasAttribute("data-previewed")) { preview(editor); }
    });
    if (editor.open) { preview(editor); }
  }

  function editors() { return Array.prototype.slice.call(document.querySelectorAll(".form-editor[data-path]")); }
  editors().forEach(wire);

  var newStep = document.getElementById("new-form-step");
  var newError = document.getElementById("new-form-error");
  function addForm(step, schemaText) {
    step = (step || "").trim();
    var path = host.getAttribute("data-forms-dir") + step + ".schema.json";
    var problem = !/^[a-z][a-z0-9_]{0,80}$/.test(step) ? "Mã bước chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới, bắt đầu bằng chữ."
      : document.querySelector('.form-editor[data-path="' + path + '"]') ? "Đã có biểu mẫu cho bước này." : "";
    newError.textContent = problem;
    newError.hidden = !problem;
    if (problem) { return null; }
    var editor = document.getElementById("form-editor-template").content.firstElementChild.cloneNode(true);
    editor.setAttribute("data-path", path);
    editor.setAttribute("data-ui-path", path.replace(/\.schema\.json$/, ".uischema.json"));
    editor.id = "editor-" + step;
    editor.querySelector("[data-role=step]").textContent = step;
    ["schema", "ui"].forEach(function (role) {
      var area = editor.querySelector("[data-role=" + role + "]");
      area.id = role + "-" + step;
      editor.querySelector("[data-for=" + role + "]").setAttribute("for", area.id);
    });
    editor.querySelector("[data-role=schema]").value = schemaText || JSON.stringify({
      "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Bước mới", "type": "object",
      "additionalProperties": false, "required": [], "properties": {}
    }, null, 2);
    document.getElementById("form-editors").appendChild(editor);
    wire(editor);
    newStep.value = "";
    return editor;
  }
  document.getElementById("add-form-button").addEventListener("click", function () { addForm(newStep.value); });

  // -- the modeler ----------------------------------------------------------------------------
  var fallback = host.querySelector(".diagram-fallback");
  if (typeof window.BpmnJS !== "function") {
    fallback.textContent = "Chưa cài trình soạn sơ đồ (bpmn-js); hãy chạy «make setup».";
    return;
  }
  var modeler = new window.BpmnJS({ container: host, keyboard: { bindTo: host } });
  window.analystModeler = modeler;  // the browser tests drive the modeler's own API, as a plug-in would
  modeler.importXML(document.getElementById("bpmn-source").value)
    .then(function () {
      modeler.get("canvas").zoom("fit-viewport");
      if (fallback) { fallback.remove(); }
      host.setAttribute("data-ready", "true");
    })
    .catch(function (error) {
      fallback.textContent = "Không mở được sơ đồ: " + error.message;
      host.setAttribute("data-ready", "error");
    });

  // -- the selected element: its id, name, and a user task's form (the modeler has no properties panel) --
  var SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core";
  var FORM = "formJsonSchemaFilename";
  var KINDS = {
    "bpmn:UserTask": "bước do cán bộ thực hiện", "bpmn:Task": "bước (chưa chọn loại)", "bpmn:ScriptTask": "bước tự tính",
    "bpmn:BusinessRuleTask": "bước tra bảng quyết định", "bpmn:ExclusiveGateway": "cổng rẽ nhánh",
    "bpmn:ParallelGateway": "cổng song song", "bpmn:StartEvent": "sự kiện bắt đầu", "bpmn:EndEvent": "sự kiện kết thúc",
    "bpmn:IntermediateCatchEvent": "sự kiện chờ", "bpmn:BoundaryEvent": "sự kiện biên", "bpmn:SequenceFlow": "luồng",
    "bpmn:Lane": "làn (vai trò)", "bpmn:SubProcess": "quy trình con", "bpmn:Participant": "quy trình"
  };
  var panel = document.getElementById("element-panel");
  var panelError = document.getElementById("el-error");
  var current = null;

  function formProperties(element, create) {
    var moddle = modeler.get("moddle");
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    if (!ext) {
      if (!create) { return null; }
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
    }
    ext.values = ext.values || [];
    var props = ext.values.filter(function (v) { return v.$type === "spiffworkflow:properties"; })[0];
    if (!props && create) {
      props = moddle.createAny("spiffworkflow:properties", SPIFF, { $children: [] });
      props.$parent = ext;
      ext.values.push(props);
    }
    return props ? { ext: ext, props: props } : null;
  }

  function formOf(element) {
    var found = formProperties(element, false);
    var prop = found && (found.props.$children || []).filter(function (c) { return c.name === FORM; })[0];
    return prop ? prop.value : "";
  }

  function setForm(element, value) {
    var found = formProperties(element, true);
    var children = found.props.$children = found.props.$children || [];
    var prop = children.filter(function (c) { return c.name === FORM; })[0];
    if (prop) { prop.value = value; }
    else { children.push(modeler.get("moddle").createAny("spiffworkflow:property", SPIFF, { name: FORM, value: value })); }
    modeler.get("modeling").updateProperties(element, { extensionElements: found.ext });
  }

  function laneOf(element) {
    var lane = (element.businessObject.lanes || [])[0];
    if (!lane) {
      var registry = modeler.get("elementRegistry");
      registry.filter(function (e) { return e.type === "bpmn:Lane"; }).forEach(function (l) {
        if ((l.businessObject.flowNodeRef || []).indexOf(element.businessObject) >= 0) { lane = l.businessObject; }
      });
    }
    return lane ? (lane.name || lane.id) : "chưa nằm trong làn nào";
  }

  function showPanel(element) {
    current = element;
    panelError.hidden = true;
    if (!element || element.type === "label" || element.type === "bpmn:Process" || element.type === "bpmn:Collaboration") {
      panel.hidden = true;
      return;
    }
    var task = element.type === "bpmn:UserTask";
    document.getElementById("el-kind").textContent = KINDS[element.type] || "phần tử khác";
    document.getElementById("el-lane").textContent = laneOf(element);
    document.getElementById("el-lane-line").hidden = element.type === "bpmn:Lane" || element.type === "bpmn:SequenceFlow"
      || element.type === "bpmn:Participant";
    document.getElementById("el-id").value = element.businessObject.id;
    document.getElementById("el-name").value = element.businessObject.name || "";
    document.getElementById("el-form-field").hidden = !task;
    document.getElementById("el-new-form").hidden = !task;
    document.getElementById("el-form").value = task ? formOf(element) : "";
    panel.hidden = false;
  }

  function refuse(text) { panelError.textContent = text; panelError.hidden = false; }

  function applyPanel() {
    if (!current) { return false; }
    var modeling = modeler.get("modeling");
    var id = document.getElementById("el-id").value.trim();
    var name = document.getElementById("el-name").value.trim();
    var form = document.getElementById("el-form").value.trim();
    if (id !== current.businessObject.id) {
      if (!/^[a-z][a-z0-9_]{0,80}$/.test(id)) { refuse("Mã phần tử chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới, bắt đầu bằng chữ."); return false; }
      if (modeler.get("elementRegistry").get(id)) { refuse("Đã có phần tử mang mã này."); return false; }
      modeling.updateProperties(current, { id: id });
    }
    if (name !== (current.businessObject.name || "")) { modeling.updateProperties(current, { name: name }); }
    if (current.type === "bpmn:UserTask" && form !== formOf(current)) {
      if (!/^[a-z][a-z0-9_]{0,80}\.schema\.json$/.test(form)) { refuse("Tên tệp biểu mẫu có dạng <mã>.schema.json (chữ thường không dấu, chữ số, gạch dưới)."); return false; }
      setForm(current, form);
    }
    panelError.hidden = true;
    showPanel(current);
    return true;
  }

  document.getElementById("el-apply").addEventListener("click", applyPanel);
  document.getElementById("el-new-form").addEventListener("click", function () {
    if (!applyPanel()) { return; }
    var step = current.businessObject.id;
    var editor = addForm(step, JSON.stringify({
      "$schema": "https://json-schema.org/draft/2020-12/schema", "title": current.businessObject.name || "Bước mới",
      "type": "object", "additionalProperties": false, "required": [], "properties": {}
    }, null, 2));
    if (!editor) { refuse(newError.textContent); return; }
    setForm(current, step + ".schema.json");
    showPanel(current);
    editor.scrollIntoView({ block: "start" });
  });
  modeler.on("selection.changed", function (event) {
    showPanel(event.newSelection.length === 1 ? event.newSelection[0] : null);
  });
  modeler.on("element.changed", function (event) {
    if (current && event.element === current && !panel.hidden) { showPanel(current); }
  });

  function files() {
    return modeler.saveXML({ format: true }).then(function (result) {
      var data = new FormData();
      data.append("csrf_token", csrf);
      data.append("file:" + host.getAttribute("data-path"), result.xml);
      editors().forEach(function (editor) {
        data.append("file:" + editor.getAttribute("data-path"), editor.querySelector("[data-role=schema]").value);
        var ui = editor.querySelector("[data-role=ui]").value;
        if (ui.trim()) { data.append("file:" + editor.getAttribute("data-ui-path"), ui); }
      });
      return data;
    });
  }

  function send(url) {
    return files().then(function (data) {
      return fetch(url, { method: "POST", body: data, credentials: "same-origin" });
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json) { throw new Error("máy chủ trả lời mã " + response.status); }
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    });
  }

  function unmark() {
    var canvas = modeler.get("canvas");
    // elements, not ids: a marked step may have been renamed since (its id changed) or deleted
    var registry = modeler.get("elementRegistry");
    marked.forEach(function (element) {
      if (registry.get(element.id) === element) { canvas.removeMarker(element, "lint-error"); }
    });
    modeler.get("overlays").remove({ type: "lint" });
    marked = [];
    problemList.innerHTML = "";
    problemBox.hidden = true;
  }

  function focusProblem(problem) {
    var element = problem.element && modeler.get("elementRegistry").get(problem.element);
    if (element) {
      modeler.get("selection").select(element);
      var canvas = modeler.get("canvas");
      if (canvas.zoom() < 0.8) { canvas.zoom(1); }  // a whole diagram fitted is too small to read the step
      canvas.scrollToElement(element, ROOM);
      host.scrollIntoView({ block: "nearest" });
      return;
    }
    var editor = document.querySelector('.form-editor[data-path="' + problem.file + '"], .form-editor[data-ui-path="' + problem.file + '"]');
    if (editor) { editor.open = true; editor.scrollIntoView({ block: "start" }); }
  }

  function show(problems) {
    unmark();
    var registry = modeler.get("elementRegistry");
    var canvas = modeler.get("canvas");
    var overlays = modeler.get("overlays");
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      var link = document.createElement("button");
      link.type = "button";
      link.className = "link problem";
      link.textContent = problem.message;
      link.addEventListener("click", function () { focusProblem(problem); });
      item.appendChild(link);
      var where = document.createElement("span");
      where.className = "muted small where";
      where.appendChild(document.createTextNode(" — tệp "));
      var file = document.createElement("code");
      file.textContent = problem.file;
      where.appendChild(file);
      if (problem.element) {
        where.appendChild(document.createTextNode(", phần tử "));
        var id = document.createElement("code");
        id.textContent = problem.element;
        where.appendChild(id);
      }
      if (problem.line) { where.appendChild(document.createTextNode(", dòng " + problem.line)); }
      item.appendChild(where);
      problemList.appendChild(item);
      var element = problem.element && registry.get(problem.element);
      if (element && element.type !== "label") {
        item.setAttribute("data-element", problem.element);
        if (marked.indexOf(element) < 0) {
          canvas.addMarker(element, "lint-error");
          marked.push(element);
          var note = document.createElement("div");
          note.className = "lint-note";
          note.textContent = problem.message;
          note.title = problem.message;
          overlays.add(problem.element, "lint", { position: { bottom: -4, left: 0 }, html: note });
        }
      }
    });
    problemBox.hidden = problems.length === 0;
    if (marked.length) {  // bring the first marked step into view, readable
      if (canvas.zoom() < 0.8) { canvas.zoom(1); }
      canvas.scrollToElement(marked[0], ROOM);
    }
  }

  function busy(on) { lintButton.disabled = on; deployButton.disabled = on; }

  lintButton.addEventListener("click", function () {
    busy(true);
    say("Đang kiểm tra…");
    send(host.getAttribute("data-lint-url"))
      .then(function (answer) {
        var problems = answer.body.problems || [];
        show(problems);
        if (!answer.ok) { say(answer.body.message, "error"); }
        else if (problems.length) { say("Có " + problems.length + " lỗi cần sửa trước khi triển khai.", "error"); }
        else { say("Không có lỗi nào: có thể triển khai.", "ok"); }
        host.setAttribute("data-linted", String(problems.length));
      })
      .catch(function (error) { say("Không kiểm tra được: " + error.message + ".", "error"); })
      .then(function () { busy(false); });
  });

  deployButton.addEventListener("click", function () {
    busy(true);
    say("Đang triển khai…");
    send(host.getAttribute("data-deploy-url"))
      .then(function (answer) {
        if (answer.ok) { window.location.assign(answer.body.url); return; }
        var problems = answer.body.problems || [];
        show(problems);
        say(problems.length ? "Chưa triển khai: có " + problems.length + " lỗi cần sửa (danh sách bên dưới)."
          : "Chưa triển khai: " + answer.body.message, "error");
        busy(false);
      })
      .catch(function (error) { say("Không triển khai được: " + error.message + ".", "error"); busy(false); });
  });
})();
