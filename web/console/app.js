// The console's browser app: one page, no framework, no build step. It reads what to talk to from
// /api/config (the local `cds dev` or a deployed stage), uploads masks in two steps (announce,
// then PUT the bytes where the API says), and follows every search live from the server's event
// stream (server-sent events locally, a WebSocket on a stage) — it never polls.

const $ = (selector, root = document) => root.querySelector(selector);
const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
};

const state = {
  config: undefined,
  auth: undefined, // { idToken } on a stage
  libraries: [],
  fields: [],
  defaults: {},
  /** searchId or `key:<maskKey>` → the row's model */
  searches: new Map(),
  webhookEvents: [],
};

/** A request to the API; rejects with { message, field } from the answer's error. */
async function api(path, { method = "GET", body } = {}) {
  const headers = { accept: "application/json" };
  if (method !== "GET") headers["x-cds-console"] = "1";
  if (body !== undefined) headers["content-type"] = "application/json";
  if (state.auth?.idToken) headers.authorization = `Bearer ${state.auth.idToken}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(answer.error ?? `${response.status} ${response.statusText}`), { field: answer.field, answer });
  return answer;
}

// ---------------------------------------------------------------- the form

function renderLibraries() {
  const select = $("#library");
  select.replaceChildren();
  const usable = state.libraries.filter((l) => !l.problem);
  for (const library of state.libraries) {
    const label = library.problem ? `${library.name} (unusable)` : `${library.name} — ${library.count.toLocaleString()} targets, ${library.width}×${library.height}`;
    select.append(el("option", { value: library.name, disabled: Boolean(library.problem), text: label }));
  }
  if (usable.length === 0) {
    select.append(el("option", { value: "", text: "no library yet: index one with cds library index" }));
    select.disabled = true;
  } else {
    select.value = usable[0].name;
  }
  describeLibrary();
}

/** The chosen libraries, in list order: the first takes the upload, the others go in its sidecar's `libraries`. */
function chosenLibraries() {
  return [...$("#library").selectedOptions].map((o) => o.value).filter(Boolean);
}

function describeLibrary() {
  const chosen = chosenLibraries().map((name) => state.libraries.find((l) => l.name === name)).filter(Boolean);
  const [library] = chosen;
  const several = chosen.length > 1 ? ` ${chosen.length} libraries, ${chosen.reduce((n, l) => n + (l.count ?? 0), 0).toLocaleString()} targets, ranked as one.` : "";
  $("#library-note").textContent = library?.problem ?? (library ? `Masks must be ${library.width}×${library.height} pixels.${several}` : "");
}

function renderParams() {
  const fieldset = $("#params");
  for (const node of [...fieldset.children]) if (node.tagName !== "LEGEND") node.remove();
  for (const field of state.fields) {
    const id = `param-${field.name}`;
    const value = state.defaults[field.name];
    let input;
    if (field.kind === "boolean") input = el("input", { id, name: field.name, type: "checkbox", checked: Boolean(value) });
    else if (field.kind === "choice") {
      input = el("select", { id, name: field.name });
      for (const choice of field.choices) input.append(el("option", { value: choice, selected: choice === value, text: String(choice) }));
    } else {
      const numeric = field.kind === "integer" || field.kind === "number";
      input = el("input", { id, name: field.name, type: numeric ? "number" : "text", value, min: field.min, max: field.max, step: field.kind === "integer" ? 1 : "any", inputmode: numeric ? "decimal" : undefined });
    }
    input.setAttribute("aria-describedby", `${id}-help ${id}-error`);
    input.addEventListener("input", () => clearFieldError(field.name));
    fieldset.append(
      el("div", { class: "row" }, el("label", { for: id, text: field.label }), input, el("span", { id: `${id}-help`, class: "help", text: `${field.help} (default ${value})` }), el("p", { id: `${id}-error`, class: "error", role: "alert" })),
    );
  }
}

function readParams() {
  const params = {};
  for (const field of state.fields) {
    const input = $(`#param-${field.name}`);
    if (field.kind === "boolean") params[field.name] = input.checked;
    else if (field.kind === "choice" && typeof field.choices[0] === "string") params[field.name] = input.value === "" ? undefined : input.value;
    else if (field.kind === "choice" || field.kind === "integer" || field.kind === "number") params[field.name] = input.value === "" ? undefined : Number(input.value);
    else params[field.name] = input.value.trim();
  }
  return params;
}

/** The checks the browser can make by itself; the server's (the sidecar's own rules) follow. */
function localErrors(params) {
  const errors = [];
  for (const field of state.fields) {
    const value = params[field.name];
    if (field.kind === "integer" || field.kind === "number") {
      if (value === undefined || Number.isNaN(value)) errors.push([field.name, `${field.label}: a number is needed`]);
      else if (field.kind === "integer" && !Number.isInteger(value)) errors.push([field.name, `${field.label}: a whole number is needed`]);
      else if (value < field.min || value > field.max) errors.push([field.name, `${field.label}: from ${field.min} to ${field.max}`]);
    }
    if (field.kind === "region" && !/^\s*\d+\s*[xX×]\s*\d+\s*$/.test(value)) errors.push([field.name, `${field.label}: write it as WIDTHxHEIGHT, e.g. 270x90`]);
  }
  return errors;
}

function fieldErrorNode(name) {
  if (name === "file" || name === "notifyEmail" || name === "library") return $(`#${name === "library" ? "library-note" : `${name}-error`}`);
  if (name === "url") return $("#webhook-url-error");
  return $(`#param-${name}-error`) ?? $("#form-error");
}

function showFieldError(name, message) {
  const node = fieldErrorNode(name);
  node.textContent = message;
  const input = name === "file" ? $("#file") : name === "notifyEmail" ? $("#notifyEmail") : name === "url" ? $("#webhook-url") : $(`#param-${name}`);
  input?.setAttribute("aria-invalid", "true");
  input?.focus();
}

function clearFieldError(name) {
  const node = fieldErrorNode(name);
  if (node && node.id !== "library-note") node.textContent = "";
  ($(`#param-${name}`) ?? $(`#${name}`))?.removeAttribute("aria-invalid");
}

function clearErrors(form) {
  for (const node of form.querySelectorAll(".error")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

function chosenFiles() {
  return [...$("#file").files];
}

async function onSubmit(event) {
  event.preventDefault();
  const form = $("#search-form");
  clearErrors(form);
  const files = chosenFiles();
  if (files.length === 0) return showFieldError("file", "choose a mask file first");
  const params = readParams();
  const errors = localErrors(params);
  if (errors.length > 0) {
    for (const [name, message] of errors.reverse()) showFieldError(name, message);
    return;
  }
  const [library, ...others] = chosenLibraries();
  if (!library) return showFieldError("library", "choose a library");
  if (others.length > 0) params.libraries = others;
  const notifyEmail = $("#notifyEmail").value.trim() || undefined;
  const button = $("#submit");
  button.disabled = true;
  try {
    await api("/api/params/check", { method: "POST", body: { params, notifyEmail } });
    if (files.length > 1 && state.config.runtime === "local") await submitMany(files, { library, params, notifyEmail });
    else for (const file of files) await uploadOne(file, { library, params, notifyEmail });
    $("#file").value = "";
    $("#chosen").textContent = "";
  } catch (error) {
    showFieldError(error.field ?? "form", error.message);
    if (!error.field) $("#form-error").textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

async function putBytes(put, file) {
  const headers = { ...(put.headers ?? {}) };
  if (put.url.startsWith("/")) {
    headers["x-cds-console"] = "1";
    if (state.auth?.idToken) headers.authorization = `Bearer ${state.auth.idToken}`;
  }
  const response = await fetch(put.url, { method: put.method ?? "PUT", headers, body: file, credentials: put.url.startsWith("/") ? "same-origin" : "omit" });
  if (!response.ok) {
    const answer = await response.json().catch(() => ({}));
    throw Object.assign(new Error(answer.error ?? `the upload of ${file.name} failed (${response.status})`), { field: "file" });
  }
}

async function uploadOne(file, { library, params, notifyEmail }) {
  const announced = await api("/api/uploads", { method: "POST", body: { library, fileName: file.name, bytes: file.size, params, notifyEmail } });
  const row = upsert(`key:${announced.key}`, { maskKey: announced.key, maskName: announced.key.split("/").pop(), library, status: "uploading", steps: ["uploading"] });
  renderSearches();
  await putBytes(announced.put, file);
  update(row, { status: "uploaded" });
}

async function submitMany(files, { library, params, notifyEmail }) {
  const announced = await api("/api/submissions", { method: "POST", body: { library, params, notifyEmail, files: files.map((f) => ({ fileName: f.name, bytes: f.size })) } });
  for (const [i, put] of announced.puts.entries()) await putBytes({ url: put.url, method: "PUT", headers: { "content-type": "application/octet-stream" } }, files[i]);
  const receipt = await api(announced.submit.url, { method: "POST" });
  for (const key of receipt.keys) upsert(`key:${key}`, { maskKey: key, maskName: key.split("/").pop(), library, status: "uploaded", steps: ["uploaded"], submissionId: receipt.submissionId });
  if (receipt.rejected.length > 0) $("#form-error").textContent = `Not submitted: ${receipt.rejected.map((r) => `${r.file} (${r.reason})`).join("; ")}`;
  renderSearches();
  void loadSubmissions();
}

// ---------------------------------------------------------------- searches, live

/** The model of the search a row shows, found by id or by the mask key it was uploaded as. */
function rowFor(searchId, maskKey) {
  if (searchId && state.searches.has(searchId)) return state.searches.get(searchId);
  const pending = maskKey && state.searches.get(`key:${maskKey}`);
  if (pending && searchId) {
    state.searches.delete(`key:${maskKey}`);
    state.searches.set(searchId, pending);
    pending.searchId = searchId;
  }
  return pending || undefined;
}

function upsert(id, fields) {
  const existing = state.searches.get(id);
  if (existing) return update(existing, fields);
  const row = { steps: [], progressShown: 0, ...fields };
  state.searches.set(id, row);
  return row;
}

function update(row, fields) {
  if (fields.status && row.steps.at(-1) !== fields.status) row.steps.push(fields.status);
  Object.assign(row, fields);
  renderSearches();
  return row;
}

function onLiveMessage(message) {
  if (message.type === "progress") {
    const row = rowFor(message.searchId);
    if (!row) return;
    row.progressShown++;
    update(row, { completedBatches: message.completedBatches, batchCount: message.batchCount, targetCount: message.targetCount, status: row.status === "accepted" ? "running" : row.status });
    return;
  }
  const detail = message.detail ?? {};
  const maskKey = detail.maskKey ?? message.maskKey;
  switch (message["detail-type"]) {
    case "Search Accepted": {
      const row = rowFor(detail.searchId, maskKey) ?? upsert(detail.searchId, { searchId: detail.searchId, maskKey, maskName: maskKey?.split("/").pop(), library: detail.library });
      if (!state.searches.has(detail.searchId)) state.searches.set(detail.searchId, row);
      update(row, { searchId: detail.searchId, status: "accepted", targetCount: detail.targetCount, library: detail.library });
      break;
    }
    case "Search Started": {
      const row = rowFor(detail.searchId, maskKey);
      if (row) update(row, { status: "running", batchCount: detail.batchCount, completedBatches: row.completedBatches ?? 0 });
      break;
    }
    case "Search Batches Completed": {
      const row = rowFor(detail.searchId, maskKey);
      if (row) update(row, { status: "combining", completedBatches: detail.batchCount, batchCount: detail.batchCount });
      break;
    }
    case "Search Completed": {
      const row = rowFor(detail.searchId, maskKey) ?? upsert(detail.searchId, { searchId: detail.searchId, maskKey, maskName: maskKey?.split("/").pop() });
      update(row, { status: "completed", matchCount: detail.matchCount, partial: detail.partial, completedBatches: row.batchCount ?? row.completedBatches });
      // One read for the results' links (presigned on a stage).
      api(`/api/searches/${encodeURIComponent(detail.searchId)}`).then((search) => update(row, { results: search.results }), () => undefined);
      break;
    }
    case "Search Failed": {
      const row = rowFor(detail.searchId, maskKey) ?? upsert(detail.searchId, { searchId: detail.searchId, maskKey, maskName: maskKey?.split("/").pop() });
      update(row, { status: "failed", failure: { reason: detail.reason, stage: detail.stage } });
      break;
    }
    case "Submission Completed":
      void loadSubmissions();
      break;
  }
}

/**
 * The link to a completed search's comparison page. Locally it is a page `cds dev` serves; on a
 * stage the page lives in a private bucket, so the API answers it with its images presigned and
 * it is shown in a tab of its own, inside a sandboxed frame (its script cannot reach this page
 * or the sign-in).
 */
function resultsLink(row) {
  if (!state.auth) return el("a", { href: row.results.page, target: "_blank", rel: "noopener", text: "open results" });
  const open = (event) => {
    event.preventDefault();
    const tab = window.open("", "_blank");
    if (!tab) return;
    tab.opener = null;
    tab.document.body.textContent = "opening the results…";
    api(row.results.page).then(
      ({ title, html }) => {
        tab.document.title = title;
        const frame = tab.document.createElement("iframe");
        frame.setAttribute("sandbox", "allow-scripts allow-popups allow-popups-to-escape-sandbox allow-downloads");
        frame.setAttribute("title", title);
        frame.style.cssText = "border:0;width:100%;height:100vh;display:block";
        frame.srcdoc = html;
        tab.document.body.style.margin = "0";
        tab.document.body.replaceChildren(frame);
      },
      (error) => (tab.document.body.textContent = `The results could not be opened: ${error.message}`),
    );
  };
  return el("a", { href: row.results.page, text: "open results", onclick: open });
}

function renderSearches() {
  const body = $("#searches tbody");
  const rows = [...state.searches.values()].sort((a, b) => String(b.submittedAt ?? "9").localeCompare(String(a.submittedAt ?? "9")));
  body.replaceChildren(
    ...rows.map((row) => {
      const total = row.batchCount ?? 0;
      const done = Math.min(row.completedBatches ?? 0, total);
      const targets = total > 0 && row.targetCount ? Math.round((done / total) * row.targetCount) : undefined;
      const progress =
        total > 0
          ? el("span", {}, el("progress", { max: total, value: done, "aria-label": `${row.maskName}: ${done} of ${total} batches` }), " ", el("span", { class: "muted", text: targets === undefined ? `${done}/${total}` : `${targets.toLocaleString()} of ${row.targetCount.toLocaleString()} targets` }))
          : el("span", { class: "muted", text: row.status === "uploading" ? "uploading…" : row.status === "uploaded" ? "waiting for intake…" : "" });
      const result =
        row.status === "completed"
          ? el("span", {}, `${row.matchCount ?? 0} match${row.matchCount === 1 ? "" : "es"}${row.partial ? " (partial)" : ""} `, row.results ? resultsLink(row) : "")
          : row.status === "failed"
            ? el("span", { class: "reason", text: row.failure?.reason ?? "failed" })
            : "";
      return el(
        "tr",
        { "data-search-id": row.searchId, "data-mask-key": row.maskKey, "data-status": row.status, "data-steps": row.steps.join(" "), "data-progress-shown": row.progressShown },
        el("td", { text: row.maskName ?? row.maskKey ?? "" }),
        el("td", { text: row.library ?? "" }),
        el("td", {}, el("span", { class: `status ${row.status}`, text: row.status })),
        el("td", {}, progress),
        el("td", {}, result),
      );
    }),
  );
  $("#no-searches").hidden = rows.length > 0;
}

async function loadSearches() {
  const { searches } = await api("/api/searches?limit=50");
  for (const search of searches) {
    const row = upsert(search.searchId, { ...search, steps: [search.status] });
    Object.assign(row, search);
  }
  renderSearches();
}

async function loadSubmissions() {
  const { submissions } = await api("/api/submissions");
  $("#submissions").replaceChildren(
    ...submissions.map((s) => el("li", { text: `${s.submissionId}: ${s.maskCount} masks against ${s.library} — ${s.status}${s.completedAt ? ` (${new Date(s.completedAt).toLocaleString()})` : ""}` })),
  );
  if (submissions.length === 0) $("#submissions").append(el("li", { class: "muted", text: "none yet" }));
}

function connectLive() {
  const live = state.config.live;
  const note = $("#live-state");
  if (live.kind === "sse") {
    const source = new EventSource(live.url);
    source.onopen = () => (note.textContent = "Live: updates arrive as they happen.");
    source.onerror = () => (note.textContent = "Live updates interrupted; reconnecting…");
    source.onmessage = (event) => onLiveMessage(JSON.parse(event.data));
    return;
  }
  const open = () => {
    const socket = new WebSocket(`${live.url}?token=${encodeURIComponent(state.auth?.idToken ?? "")}`);
    socket.onopen = () => (note.textContent = "Live: updates arrive as they happen.");
    socket.onmessage = (event) => onLiveMessage({ type: "event", ...JSON.parse(event.data) });
    socket.onclose = () => {
      note.textContent = "Live updates interrupted; reconnecting…";
      setTimeout(open, 2000);
    };
  };
  open();
}

// ---------------------------------------------------------------- webhooks

async function loadWebhooks() {
  const { events, subscriptions } = await api("/api/webhooks");
  state.webhookEvents = events;
  const fieldset = $("#webhook-events");
  if (fieldset.querySelectorAll("input").length === 0) {
    for (const event of events) {
      const id = `event-${event.replaceAll(" ", "-")}`;
      fieldset.append(el("label", { for: id, class: "help" }, el("input", { type: "checkbox", id, value: event, checked: true }), ` ${event}`));
    }
  }
  $("#webhooks tbody").replaceChildren(
    ...subscriptions.map((s) =>
      el(
        "tr",
        { "data-subscription-id": s.subscriptionId },
        el("td", { text: s.url }),
        el("td", { text: s.events.join(", ") }),
        el("td", { text: s.createdAt ? new Date(s.createdAt).toLocaleString() : "" }),
        el(
          "td",
          {},
          el("button", { type: "button", class: "small", text: "deliveries", onclick: () => showDeliveries(s.subscriptionId) }),
          " ",
          el("button", { type: "button", class: "small", text: "remove", onclick: () => removeWebhook(s.subscriptionId, s.url) }),
        ),
      ),
    ),
  );
}

async function onAddWebhook(event) {
  event.preventDefault();
  const form = $("#webhook-form");
  clearErrors(form);
  const events = [...form.querySelectorAll("#webhook-events input:checked")].map((i) => i.value);
  try {
    const added = await api("/api/webhooks", { method: "POST", body: { url: $("#webhook-url").value.trim(), events, allowPrivate: $("#webhook-allow-private").checked } });
    const box = $("#webhook-secret");
    box.hidden = false;
    box.replaceChildren(el("p", { text: "Signing secret — shown only now; give it to the receiver to verify signatures:" }), el("code", { text: added.secret }));
    $("#webhook-url").value = "";
    await loadWebhooks();
  } catch (error) {
    showFieldError(error.field === "events" ? "url" : "url", error.message);
  }
}

async function removeWebhook(id, url) {
  if (!confirm(`Remove the webhook to ${url}?`)) return;
  await api(`/api/webhooks/${encodeURIComponent(id)}`, { method: "DELETE" });
  await loadWebhooks();
}

async function showDeliveries(id) {
  const { deliveries } = await api(`/api/webhooks/${encodeURIComponent(id)}/deliveries`);
  const row = $(`tr[data-subscription-id="${CSS.escape(id)}"]`);
  row.nextElementSibling?.classList.contains("deliveries") && row.nextElementSibling.remove();
  const lines = deliveries.map((d) => `${d.attemptedAt ?? d.createdAt ?? ""} ${d.eventType ?? ""} ${d.status ?? d.outcome ?? ""} ${d.statusCode ?? ""}`.trim());
  row.after(el("tr", { class: "deliveries" }, el("td", { colspan: 4 }, el("pre", { text: lines.join("\n") || "no deliveries yet" }))));
}

// ---------------------------------------------------------------- sign-in (stage)

async function signIn(auth) {
  const stored = sessionStorage.getItem("cds-id-token");
  if (stored) return { idToken: stored };
  const form = el(
    "form",
    { class: "row" },
    el("label", { for: "user", text: "User" }),
    el("input", { id: "user", autocomplete: "username" }),
    el("label", { for: "password", text: "Password" }),
    el("input", { id: "password", type: "password", autocomplete: "current-password" }),
    el("button", { type: "submit", text: "Sign in" }),
  );
  $("main").replaceChildren(el("section", {}, el("h2", { text: "Sign in" }), form, el("p", { id: "signin-error", class: "error", role: "alert" })));
  return new Promise((resolve) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const response = await fetch(`https://cognito-idp.${auth.region}.amazonaws.com/`, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth" },
        body: JSON.stringify({ AuthFlow: "USER_PASSWORD_AUTH", ClientId: auth.clientId, AuthParameters: { USERNAME: $("#user").value, PASSWORD: $("#password").value } }),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok || !answer.AuthenticationResult) {
        $("#signin-error").textContent = answer.message ?? "sign-in failed";
        return;
      }
      sessionStorage.setItem("cds-id-token", answer.AuthenticationResult.IdToken);
      location.reload();
      resolve({ idToken: answer.AuthenticationResult.IdToken });
    });
  });
}

// ---------------------------------------------------------------- start

async function start() {
  state.config = await api("/api/config");
  if (state.config.auth?.kind === "cognito") state.auth = await signIn(state.config.auth);
  $("#runtime").textContent = state.config.runtime === "local" ? "on this machine (cds dev)" : "on the stage";
  const [{ libraries }, params] = await Promise.all([api("/api/libraries"), api("/api/params")]);
  state.libraries = libraries;
  state.fields = params.fields;
  state.defaults = params.defaults;
  renderLibraries();
  renderParams();
  // Wired as soon as the form is drawn: a choice or a submit made while the lists below load
  // must not be lost (or submit the form natively, reloading the page).
  wireForm();
  connectLive();
  await Promise.all([loadSearches(), loadSubmissions(), state.config.runtime === "local" ? loadWebhooks() : Promise.resolve()]);
  if (state.config.runtime !== "local") $("#webhooks-title").closest("section").hidden = true;
}

function wireForm() {
  $("#library").addEventListener("change", describeLibrary);
  $("#search-form").addEventListener("submit", onSubmit);
  $("#reset-params").addEventListener("click", renderParams);
  $("#webhook-form").addEventListener("submit", onAddWebhook);
  const drop = $("#drop");
  const input = $("#file");
  const describeChosen = () => {
    const files = chosenFiles();
    clearFieldError("file");
    $("#chosen").textContent = files.length === 0 ? "" : files.length === 1 ? `${files[0].name} (${(files[0].size / 1024).toFixed(0)} KiB)` : `${files.length} masks: one submission`;
  };
  input.addEventListener("change", describeChosen);
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    input.files = event.dataTransfer.files;
    describeChosen();
  });
}

start().catch((error) => {
  $("#runtime").textContent = `The console could not start: ${error.message}`;
});
