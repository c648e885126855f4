/* Autosave for the questionnaire (templates/assessments/questionnaire.html).
 *
 * No framework and no inline script (the CSP forbids it): configuration comes from data-
 * attributes. Each item saves on its own, as JSON, to its data-save-url: a click on an option at
 * once; arrow keys moving through the options once the choice settles (700 ms without another
 * move, or focus leaving the options), not once per option passed; a comment 800 ms after typing
 * stops and on blur. One request per item is in flight at a time; edits made meanwhile are sent
 * when it returns, with the version it brought back.
 *
 * "Not applicable" needs a justification (the server refuses it without one): it is kept on the
 * page, unsent, with a message beside the comment until one is written, and Save, Next and
 * Previous explain what is missing instead of posting a page the server would refuse.
 *
 * Nothing typed is lost: unsaved edits are kept in sessionStorage until the server has them, so a
 * reload, an expired session or a login round-trip restores them into the form. Without this
 * script the page still works: the Save button posts the whole form.
 */
(function () {
  "use strict";

  var form = document.getElementById("q-form");
  if (!form || form.dataset.readonly || !window.fetch) return;

  var DEBOUNCE_MS = 800;
  var SETTLE_MS = 700;
  var JUSTIFY = "Say in the comment why this item does not apply: “Not applicable” is saved with its justification.";
  var COMMENT_MAX = 10000;
  var COUNT_FROM = 9000;
  var assessment = form.dataset.assessment;
  var sessionBanner = document.getElementById("q-session");
  var alertBanner = document.getElementById("q-alert");
  var globalBox = document.getElementById("q-global");
  var globalText = document.getElementById("q-global-state");
  var progressBar = document.getElementById("q-progress");
  var saveBar = document.getElementById("q-savebar");
  var items = {};
  var sessionLost = false;
  var locked = false;
  var submitting = false;

  var LABELS = { saved: "Saved", dirty: "Unsaved changes", saving: "Saving…", clean: "" };

  // --- small helpers ---------------------------------------------------------------------------

  function csrfToken() {
    // Read at each request: the token rotates when the user logs in again in another tab.
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function setText(root, selector, text) {
    root.querySelectorAll(selector).forEach(function (el) { el.textContent = text; });
  }

  // The same format as the server's "j M Y, H:i", in the reader's own time zone.
  var TIME_FORMAT = new Intl.DateTimeFormat("en-GB", {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
  });

  function when(iso) {
    if (!iso) return "";
    var date = new Date(iso);
    return isNaN(date) ? iso : TIME_FORMAT.format(date);
  }

  function timeElement(iso) {
    var el = document.createElement("time");
    el.dateTime = iso;
    el.textContent = when(iso);
    return el;
  }

  function codePoints(text) {
    // The server counts characters, not UTF-16 units: an emoji is one.
    var n = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff || i === 0 || text.charCodeAt(i - 1) < 0xd800 || text.charCodeAt(i - 1) > 0xdbff) n++;
    }
    return n;
  }

  // Scrolls `first`..`last` into the part of the window that the sticky banners above and the
  // sticky save bar below leave free, so that a message is never hidden under them.
  function reveal(first, last) {
    var top = 8;
    [sessionBanner, alertBanner].forEach(function (banner) {
      if (banner && !banner.hidden) top = Math.max(top, banner.offsetHeight + 16);
    });
    var bottom = window.innerHeight - (saveBar ? saveBar.offsetHeight + 16 : 8);
    var from = first.getBoundingClientRect().top;
    var to = (last || first).getBoundingClientRect().bottom;
    // Instant, not Bootstrap's smooth scrolling: the message is where the reader looks now.
    if (from < top || to - from > bottom - top) window.scrollBy({ top: from - top, behavior: "instant" });
    else if (to > bottom) window.scrollBy({ top: to - bottom, behavior: "instant" });
  }

  function storeKey(st) { return "riskassess:" + assessment + ":" + st.key; }

  function remember(st) {
    try { sessionStorage.setItem(storeKey(st), JSON.stringify(values(st))); } catch (e) { /* private mode, full */ }
  }

  function forget(st) {
    try { sessionStorage.removeItem(storeKey(st)); } catch (e) { /* ignore */ }
  }

  function recall(st) {
    try { return JSON.parse(sessionStorage.getItem(storeKey(st)) || "null"); } catch (e) { return null; }
  }

  // --- one item ----------------------------------------------------------------------------------

  function values(st) {
    var checked = st.radios.filter(function (r) { return r.checked; })[0];
    return {
      option: checked ? checked.value : null,
      comment: st.comment.value,
      version: parseInt(st.version.value, 10) || 0
    };
  }

  function needsJustification(st) {
    var checked = st.radios.filter(function (r) { return r.checked; })[0];
    return !!(checked && checked.dataset.na && !st.comment.value.trim());
  }

  function askJustification(st, show) {
    st.retry = false;
    showError(st, "comment", JUSTIFY);
    setState(st, "error", "Not saved yet");
    if (show) revealComment(st);
  }

  function revealComment(st) {
    reveal(st.card.querySelector(".q-comment"), st.stateEl);
  }

  function same(a, b) { return a.option === b.option && a.comment === b.comment; }

  function isUnsaved(st) { return st.state !== "clean" && st.state !== "saved"; }

  function setState(st, state, text) {
    st.state = state;
    st.stateEl.dataset.state = state;
    var label = text === undefined ? LABELS[state] || "" : text;
    if (st.stateEl.textContent !== label) st.stateEl.textContent = label;
    st.card.classList.toggle("has-problem", state === "error" || state === "conflict");
    updateGlobal();
  }

  function labelOf(st, optionKey) {
    var radio = st.radios.filter(function (r) { return r.value === optionKey; })[0];
    var label = radio && st.card.querySelector('label[for="' + CSS.escape(radio.id) + '"]');
    return label ? label.textContent : optionKey || "";
  }

  function showError(st, field, message) {
    var el = document.getElementById(st.key + "-" + field + "-error");
    if (!el) return false;
    el.textContent = message;
    el.hidden = false;
    if (field === "comment") {
      st.comment.classList.add("is-invalid");
      st.comment.setAttribute("aria-invalid", "true");
    }
    return true;
  }

  function clearErrors(st) {
    ["option", "comment"].forEach(function (field) {
      var el = document.getElementById(st.key + "-" + field + "-error");
      if (el) { el.hidden = true; el.textContent = ""; }
    });
    st.comment.classList.remove("is-invalid");
    st.comment.removeAttribute("aria-invalid");
  }

  function updateCount(st) {
    var n = codePoints(st.comment.value);
    st.count.hidden = n < COUNT_FROM;
    if (st.count.hidden) { st.count.textContent = ""; return; }
    st.count.classList.toggle("is-over", n > COMMENT_MAX);
    st.count.textContent = n > COMMENT_MAX
      ? n.toLocaleString() + " / " + COMMENT_MAX.toLocaleString() + " characters: " + (n - COMMENT_MAX).toLocaleString() + " too many"
      : n.toLocaleString() + " / " + COMMENT_MAX.toLocaleString() + " characters";
  }

  function updateClear(st) {
    if (st.clear) st.clear.hidden = !values(st).option;
  }

  function showAnswer(st, answer) {
    st.version.value = answer.version;
    st.card.classList.toggle("is-answered", !!answer.option);
    st.meta.textContent = "";
    if (answer.answered_by && answer.answered_at) {
      st.meta.append("Last saved by " + answer.answered_by + ", ", timeElement(answer.answered_at));
    }
    if (!answer.option) st.meta.append(answer.answered_by ? " · not answered yet" : "Not answered yet");
  }

  // --- conflicts ---------------------------------------------------------------------------------

  function showConflict(st, theirs, yours) {
    var box = st.conflict;
    box.dataset.theirsOption = theirs.option || "";
    box.dataset.theirsVersion = theirs.version;
    setText(box, '[data-theirs="by"]', theirs.answered_by || "someone");
    setText(box, '[data-theirs="at"]', when(theirs.answered_at));
    setText(box, '[data-theirs="option"]', theirs.option_label || "");
    setText(box, '[data-theirs="comment"]', theirs.comment || "");
    setText(box, '[data-yours="option"]', yours.option ? labelOf(st, yours.option) : "");
    setText(box, '[data-yours="comment"]', yours.comment);
    box.hidden = false;
    setState(st, "conflict", "Not saved: someone else changed this answer");
  }

  function keepMine(st) {
    st.version.value = st.conflict.dataset.theirsVersion;
    st.conflict.hidden = true;
    setState(st, "dirty");
    save(st);
  }

  function useTheirs(st) {
    var box = st.conflict;
    var option = box.dataset.theirsOption;
    st.radios.forEach(function (r) { r.checked = r.value === option; });
    st.comment.value = box.querySelector('[data-theirs="comment"]').textContent;
    st.version.value = box.dataset.theirsVersion;
    box.hidden = true;
    clearErrors(st);
    forget(st);
    updateClear(st);
    updateCount(st);
    setState(st, "saved", "Their answer is kept");
  }

  // --- saving ------------------------------------------------------------------------------------

  function edited(st, now, delay) {
    remember(st);
    updateClear(st);
    if (st.state === "conflict") {
      setText(st.conflict, '[data-yours="option"]', labelOf(st, values(st).option));
      setText(st.conflict, '[data-yours="comment"]', st.comment.value);
      return; // waits for "Keep mine" or "Use theirs"
    }
    setState(st, "dirty");
    clearTimeout(st.timer);
    if (now) save(st, true);
    else st.timer = setTimeout(function () { save(st, true); }, delay || DEBOUNCE_MS);
  }

  // `shown`: the reader just acted on this item, so a message about it is scrolled into view.
  function save(st, shown) {
    clearTimeout(st.timer);
    st.timer = null;
    if (st.inFlight) { st.again = true; return; }
    if (needsJustification(st)) { askJustification(st, shown); return; }
    if (sessionLost || locked) {
      st.retry = true;
      setState(st, "dirty", locked ? "Not saved: the assessment is locked" : "Not saved yet: log in again");
      return;
    }
    var sent = values(st);
    st.inFlight = true;
    st.retry = false;
    setState(st, "saving");
    fetch(st.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify(sent)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        handle(st, response.status, body, sent);
      });
    }).catch(function () {
      st.retry = true;
      setState(st, "error", "Not saved: the server could not be reached. Retrying when you come back to the page.");
      showAlert("The server could not be reached. Your unsaved answers are kept on this page.");
    }).then(function () {
      st.inFlight = false;
      if (st.again) {
        st.again = false;
        if (st.state !== "conflict") save(st);
      }
    });
  }

  function handle(st, status, body, sent) {
    if (status === 200 && body && body.ok) {
      endSessionLost();
      clearErrors(st);
      showAnswer(st, body.answer);
      updateProgress(body.progress);
      if (alertBanner.dataset.kind === "missing" && !missing().length) alertBanner.hidden = true;
      if (same(values(st), sent)) {
        forget(st);
        setState(st, "saved");
      } else {
        st.again = true; // typed on while this was saving
        setState(st, "dirty");
      }
      return;
    }
    remember(st);
    if (status === 401 || (status === 403 && (!body || body.csrf))) {
      st.retry = true;
      startSessionLost();
      setState(st, "dirty", "Not saved yet: log in again");
    } else if (status === 409 && body && body.conflict) {
      showConflict(st, body.theirs, sent);
    } else if (status === 409 && body && body.locked) {
      locked = true;
      showAlert(body.error + " Your unsaved answers are kept on this page.");
      setState(st, "error", "Not saved: the assessment is locked");
    } else if (status === 400 && body) {
      var shown = showError(st, body.field, body.error);
      setState(st, "error", shown ? "Not saved" : "Not saved: " + body.error);
      var focus = document.activeElement;
      if (body.field === "comment" && (st.card.contains(focus) || focus === document.body)) {
        st.comment.focus({ preventScroll: true });
        revealComment(st);
      }
    } else {
      st.retry = status >= 500 || !body;
      setState(st, "error", "Not saved: " + (body && body.error ? body.error : "the server answered " + status + "."));
    }
  }

  function retryAll() {
    var waiting = Object.keys(items).map(function (key) { return items[key]; }).filter(function (st) {
      return st.retry && st.state !== "conflict";
    });
    if (submitting || !waiting.length) return;
    endSessionLost();
    if (!locked) alertBanner.hidden = true;
    waiting.forEach(function (st) { save(st); });
  }

  // --- page-wide state ---------------------------------------------------------------------------

  function startSessionLost() {
    sessionLost = true;
    sessionBanner.hidden = false;
    updateGlobal();
  }

  function endSessionLost() {
    if (!sessionLost) return;
    sessionLost = false;
    sessionBanner.hidden = true;
    updateGlobal();
  }

  function showAlert(message) {
    alertBanner.textContent = message;
    alertBanner.dataset.kind = "";
    alertBanner.hidden = false;
  }

  function missing() {
    return Object.keys(items).map(function (key) { return items[key]; }).filter(needsJustification);
  }

  // Instead of posting a page the server would refuse: what is missing, where, and how to go on.
  function explainMissing(waiting) {
    alertBanner.textContent = "";
    alertBanner.dataset.kind = "missing";
    var many = waiting.length > 1;
    waiting.forEach(function (st, n) {
      var link = document.createElement("a");
      link.href = "#" + st.key + "-comment";
      link.textContent = st.key;
      link.className = "alert-link";
      alertBanner.append(n ? ", " : "", link);
    });
    alertBanner.append((many ? " are" : " is") + " not saved yet: “Not applicable” needs a justification. Say in " +
      (many ? "their comments why they do" : "its comment why it does") + " not apply, or choose another answer, then go on.");
    alertBanner.hidden = false;
    waiting.forEach(function (st) { askJustification(st, false); });
    waiting[0].comment.focus({ preventScroll: true });
    revealComment(waiting[0]);
  }

  function updateGlobal() {
    var counts = { conflict: 0, error: 0, saving: 0, dirty: 0 };
    Object.keys(items).forEach(function (key) {
      var state = items[key].state;
      if (state in counts) counts[state]++;
    });
    var state = "saved";
    var text = "All changes saved";
    if (sessionLost) {
      state = "error"; text = "Not saved: your session has expired";
    } else if (counts.conflict) {
      state = "error"; text = counts.conflict === 1 ? "1 answer needs your decision" : counts.conflict + " answers need your decision";
    } else if (counts.error) {
      state = "error"; text = counts.error === 1 ? "1 answer is not saved" : counts.error + " answers are not saved";
    } else if (counts.saving) {
      state = "saving"; text = "Saving…";
    } else if (counts.dirty) {
      state = "dirty"; text = "Unsaved changes";
    }
    globalBox.dataset.state = state;
    if (globalText.textContent !== text) globalText.textContent = text;
  }

  function updateProgress(progress) {
    if (!progress) return;
    var overall = progress.overall;
    setText(document, '[data-overall="answered"]', overall.answered);
    setText(document, '[data-overall="required"]', overall.required);
    setText(document, '[data-overall="percent"]', overall.required ? Math.floor(overall.answered * 100 / overall.required) : 100);
    if (progressBar) {
      progressBar.max = overall.required || 1;
      progressBar.value = overall.answered;
    }
    Object.keys(progress.categories).forEach(function (key) {
      var c = progress.categories[key];
      var selector = '[data-progress="' + CSS.escape(key) + '"]';
      setText(document, selector + ' [data-count="answered"]', c.answered);
      setText(document, selector + ' [data-count="required"]', c.required);
      var step = document.querySelector('[data-step="' + CSS.escape(key) + '"]');
      if (step) step.classList.toggle("is-complete", c.answered >= c.required);
    });
  }

  // --- setup -------------------------------------------------------------------------------------

  function setup(card) {
    var key = card.dataset.item;
    var st = {
      key: key,
      card: card,
      url: card.dataset.saveUrl,
      radios: Array.prototype.slice.call(card.querySelectorAll('input[type="radio"]')),
      comment: card.querySelector("textarea"),
      version: card.querySelector('input[name="' + CSS.escape(key) + '-version"]'),
      conflict: card.querySelector(".q-conflict"),
      stateEl: card.querySelector(".q-state"),
      meta: card.querySelector(".q-meta"),
      count: card.querySelector(".q-count"),
      clear: card.querySelector(".q-clear"),
      state: card.querySelector(".q-state").dataset.state || "clean",
      timer: null,
      arrowing: false,
      inFlight: false,
      again: false,
      retry: false
    };
    items[key] = st;

    // The server's limit gives a clear message; maxlength would silently cut a paste short.
    st.comment.removeAttribute("maxlength");
    // With the script on, the form posts only unsaved items, judged here, not by fingerprint.
    var original = card.querySelector('input[name="' + CSS.escape(key) + '-original"]');
    if (original) original.remove();

    var pending = recall(st);
    if (!st.conflict.hidden) {
      setState(st, "conflict", st.stateEl.textContent);
      remember(st);
    } else if (st.state === "error") {
      remember(st); // a form post that failed: the page shows what was posted
    } else if (pending && !same(pending, values(st))) {
      st.radios.forEach(function (r) { r.checked = r.value === pending.option; });
      st.comment.value = pending.comment;
      st.version.value = pending.version;
      setState(st, "dirty", "Unsaved change restored");
      st.retry = true;
    } else if (pending) {
      forget(st);
    }

    // Arrow keys check each option they pass: save once the choice settles, not for each.
    var optionsBox = card.querySelector(".q-options");
    optionsBox.addEventListener("keydown", function (event) {
      if (/^Arrow/.test(event.key)) st.arrowing = true;
    });
    optionsBox.addEventListener("keyup", function () { st.arrowing = false; });
    optionsBox.addEventListener("pointerdown", function () { st.arrowing = false; });
    optionsBox.addEventListener("focusout", function (event) {
      if (st.timer && st.radios.indexOf(event.relatedTarget) < 0) save(st, true);
    });
    st.radios.forEach(function (radio) {
      radio.addEventListener("change", function () {
        clearErrors(st);
        if (st.arrowing) edited(st, false, SETTLE_MS);
        else edited(st, true);
      });
    });
    st.comment.addEventListener("input", function () { updateCount(st); edited(st, false); });
    st.comment.addEventListener("blur", function () { if (st.timer) save(st); });
    if (st.clear) {
      st.clear.addEventListener("click", function () {
        st.radios.forEach(function (r) { r.checked = false; });
        if (st.radios[0]) st.radios[0].focus();
        edited(st, true);
      });
    }
    st.conflict.querySelectorAll(".q-js").forEach(function (el) { el.hidden = false; });
    st.conflict.querySelectorAll(".q-nojs").forEach(function (el) { el.hidden = true; });
    st.conflict.querySelector('[data-action="keep-mine"]').addEventListener("click", function () { keepMine(st); });
    st.conflict.querySelector('[data-action="use-theirs"]').addEventListener("click", function () { useTheirs(st); });
    updateCount(st);
    updateClear(st);
  }

  form.querySelectorAll("time[datetime]").forEach(function (el) { el.textContent = when(el.dateTime); });
  form.querySelectorAll(".q-item[data-item]").forEach(setup);
  updateGlobal();

  document.getElementById("q-retry").addEventListener("click", retryAll);
  // Back from logging in (or from anywhere): send what is waiting.
  window.addEventListener("focus", retryAll);
  window.addEventListener("online", retryAll);

  form.addEventListener("submit", function (event) {
    var waiting = missing();
    if (waiting.length) {
      event.preventDefault();
      explainMissing(waiting);
      return;
    }
    submitting = true;
    // The token in the form may be older than the cookie (it rotates at login).
    var input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    var token = csrfToken();
    if (input && token) input.value = token;
    // Post only what the server does not have yet: the rest could only cause false conflicts.
    Object.keys(items).forEach(function (key) {
      var st = items[key];
      st.version.disabled = !isUnsaved(st);
    });
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return; // back/forward cache: the page is live again
    submitting = false;
    Object.keys(items).forEach(function (key) { items[key].version.disabled = false; });
  });

  window.addEventListener("beforeunload", function (event) {
    if (submitting) return;
    var unsaved = Object.keys(items).some(function (key) { return isUnsaved(items[key]); });
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Changes restored from sessionStorage go out now (after a login round-trip, say).
  retryAll();
})();
