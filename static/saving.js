// Saving a debrief page without losing it when the signal goes (issue 16).
//
// Forms marked data-app-save are sent with fetch() instead of by the browser, so that
// a save that cannot reach the server leaves the page as it is, with an alert saying
// so, and is sent again when the connection returns (or when Save is pressed again).
// What the server answers is followed as the browser would: a redirect is followed
// (a signed-out save is kept on the server and leads to sign-in); a conflict (409) or
// a page with errors is shown by sending the form again the ordinary way.
//
// Nothing is written to the browser's storage: the answers are OFFICIAL-SENSITIVE and
// the laptop may be shared. They stay in the page, and only in the page.
// Without JavaScript the forms post as ordinary HTML forms.

const FETCH_HEADER = { "X-Debrief-Fetch": "1" };
// Answers from a proxy or load balancer when the service behind it is down.
const UNREACHABLE = new Set([502, 503, 504]);
const RETRY_SECONDS = 20;

function statusBox(form) {
  let box = form.querySelector("[data-app-save-status]");
  if (!box) {
    box = document.createElement("div");
    box.className = "app-save-status";
    box.dataset.appSaveStatus = "";
    box.setAttribute("role", "alert");
    const before = form.querySelector(".govuk-button-group") || form.querySelector("button");
    before.parentNode.insertBefore(box, before);
  }
  return box;
}

function say(form, title, text) {
  const box = statusBox(form);
  const summary = document.createElement("div");
  summary.className = "govuk-error-summary app-save-status__summary";
  const heading = document.createElement("h2");
  heading.className = "govuk-error-summary__title";
  heading.textContent = title;
  const body = document.createElement("div");
  body.className = "govuk-error-summary__body";
  const paragraph = document.createElement("p");
  paragraph.className = "govuk-body";
  paragraph.textContent = text;
  body.append(paragraph);
  summary.append(heading, body);
  // An alert added and filled in the same moment is not always read out: let the
  // empty alert reach the accessibility tree first.
  window.setTimeout(() => box.replaceChildren(summary), 50);
}

// The first paragraph of the server's page, which says why nothing was saved.
function serverReason(html) {
  const page = new DOMParser().parseFromString(html, "text/html");
  const first = page.querySelector("main h1 ~ p, main p.govuk-body");
  return first ? first.textContent.trim() : "The service could not save the page.";
}

// Not form.action: a button named "action" (Save and continue) hides that property.
function target(form) {
  return new URL(form.getAttribute("action") || window.location.href, window.location.href);
}

function enhance(form) {
  let sending = false;
  let waiting = false;
  let submitter = null;
  let retry = null;

  function sendNatively() {
    form.dataset.appSaveNative = "1";
    form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
  }

  function noConnection() {
    waiting = true;
    say(
      form,
      "Not saved: no connection",
      "Your answers are still on this page. They will be saved when the connection " +
        "returns, or press Save again.",
    );
    window.clearTimeout(retry);
    retry = window.setTimeout(() => {
      if (waiting && navigator.onLine) send();
    }, RETRY_SECONDS * 1000);
  }

  async function send() {
    if (sending) return;
    sending = true;
    const body = new URLSearchParams(new FormData(form, submitter || undefined));
    let response;
    try {
      response = await fetch(target(form), {
        method: "POST",
        body,
        headers: FETCH_HEADER,
        credentials: "same-origin",
        cache: "no-store",
        redirect: "manual",
      });
    } catch {
      sending = false;
      noConnection();
      return;
    }
    sending = false;
    if (UNREACHABLE.has(response.status)) {
      noConnection();
      return;
    }
    waiting = false;
    window.clearTimeout(retry);
    const type = response.headers.get("Content-Type") || "";
    if (response.ok && type.includes("application/json")) {
      const answer = await response.json();
      if (answer.redirect) {
        window.location.assign(answer.redirect);
        return;
      }
    }
    if (response.ok || response.status === 409 || response.type === "opaqueredirect") {
      // Nothing was saved (a page with errors, or a conflict): show the server's page.
      sendNatively();
      return;
    }
    const reason = serverReason(await response.text());
    say(form, "Not saved", `Your answers are still on this page. ${reason}`);
  }

  form.addEventListener("submit", (event) => {
    if (form.dataset.appSaveNative) return;
    event.preventDefault();
    submitter = event.submitter;
    send();
  });
  window.addEventListener("online", () => {
    if (waiting) send();
  });
}

for (const form of document.querySelectorAll("form[data-app-save]")) {
  enhance(form);
}
