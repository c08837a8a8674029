// The GOV.UK timeout warning, as a modal dialog (issue 16).
//
// The page carries how many seconds its session has left, counted by the server when
// it answered; the clock runs from there, so a laptop's wrong clock does not matter.
// Before warning, and again at the end, it asks the server (GET, which does not
// extend the session) in case another tab was used meanwhile. "Stay signed in" (and
// Escape) POSTs to the same address, which counts as using the session. Focus moves
// into the dialog when it opens and back where it was when it closes.
// Without JavaScript the debrief pages say in words how long a session lasts.

const dialog = document.getElementById("app-timeout");

function inWords(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  const parts = [];
  if (minutes) parts.push(minutes === 1 ? "1 minute" : `${minutes} minutes`);
  if (rest || !minutes) parts.push(rest === 1 ? "1 second" : `${rest} seconds`);
  return parts.join(" ");
}

function start(box) {
  const title = box.querySelector("#app-timeout-title");
  const text = box.querySelector("#app-timeout-text");
  const stay = box.querySelector("[data-app-timeout-stay]");
  const close = box.querySelector("[data-app-timeout-close]");
  const data = box.dataset;
  const keeps = document.querySelector("form input[name=form_key]") !== null; // kept if signed out
  let deadline = Date.now() + Number(data.expiresIn) * 1000;
  let warning = Number(data.warning);
  let extendable = data.extendable === "true";
  let state = "quiet"; // quiet, warning or ended
  let asking = false;
  let dismissed = false; // "Continue" on a warning that staying cannot put off
  let returnFocus = null;

  const left = () => Math.max(0, Math.ceil((deadline - Date.now()) / 1000));

  async function ask(method) {
    const headers = { "X-Debrief-Fetch": "1" };
    if (method === "POST") headers["X-CSRFToken"] = data.csrfToken;
    asking = true;
    try {
      const response = await fetch(data.statusUrl, {
        method,
        headers,
        credentials: "same-origin",
        cache: "no-store",
        redirect: "manual",
      });
      if (!(response.headers.get("Content-Type") || "").includes("application/json")) {
        return null;
      }
      const answer = await response.json();
      return answer.redirect ? { signed_in: false } : answer;
    } catch {
      return null; // no connection: go by the clock
    } finally {
      asking = false;
    }
  }

  function learn(answer) {
    if (!answer) return;
    if (!answer.signed_in) {
      deadline = Date.now();
      return;
    }
    deadline = Date.now() + answer.expires_in * 1000;
    warning = answer.warning;
    extendable = answer.extendable;
    if (left() > warning) dismissed = false;
  }

  function show() {
    if (!box.open) {
      returnFocus = document.activeElement;
      box.showModal();
    }
    box.focus();
  }

  function hide() {
    if (box.open) box.close();
    if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
    returnFocus = null;
  }

  function render() {
    const when = inWords(left());
    title.textContent = "You'll be signed out soon";
    if (extendable) {
      text.textContent =
        `We will sign you out in ${when} to keep the information secure.` +
        (keeps ? " Your answers on this page have not been saved yet." : "");
      close.hidden = true;
      stay.hidden = false;
    } else {
      text.textContent =
        `We will sign you out in ${when}: a session lasts at most ${data.absolute} after ` +
        "signing in." +
        (keeps ? " Save your answers now. Anything not saved will be kept for you." : "");
      close.textContent = "Continue";
      close.hidden = false;
      stay.hidden = true;
    }
  }

  function warn() {
    state = "warning";
    render();
    show();
  }

  function ended() {
    state = "ended";
    title.textContent = "You have been signed out";
    text.textContent = keeps
      ? "Nothing you typed on this page has been lost. Press a Save button: what you " +
        "typed will be kept, and after you sign in again it will be back on this page."
      : "Sign in again to carry on.";
    close.textContent = keeps ? "Close" : "Sign in again";
    close.hidden = false;
    stay.hidden = true;
    show();
  }

  async function tick() {
    if (asking || state === "ended") return;
    if (state === "quiet" && left() > 0 && (left() > warning || dismissed)) return;
    if (state === "quiet" || left() === 0) {
      learn(await ask("GET"));
      if (left() === 0) {
        ended();
      } else if (left() > warning) {
        state = "quiet";
        hide();
      } else {
        warn();
      }
      return;
    }
    render();
  }

  async function staySignedIn() {
    const answer = (await ask("POST")) || (await ask("GET"));
    learn(answer);
    if (left() === 0) {
      ended();
    } else if (answer && left() > warning) {
      state = "quiet";
      hide();
    }
  }

  stay.addEventListener("click", staySignedIn);
  close.addEventListener("click", () => {
    if (state === "ended" && !keeps) {
      const here = window.location.pathname + window.location.search;
      window.location.assign(`${data.signInUrl}?next=${encodeURIComponent(here)}`);
      return;
    }
    if (state === "warning") {
      state = "quiet";
      dismissed = true;
    }
    hide();
  });
  box.addEventListener("cancel", (event) => {
    event.preventDefault(); // Escape: the same as the dialog's own button
    if (state === "warning" && extendable) {
      staySignedIn();
    } else {
      if (state === "warning") {
        state = "quiet";
        dismissed = true;
      }
      hide();
    }
  });
  window.setInterval(tick, 1000);
  document.addEventListener("visibilitychange", tick); // a laptop waking from sleep
}

if (dialog && typeof dialog.showModal === "function") {
  start(dialog);
}
