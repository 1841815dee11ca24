/* wethink: the little the chapter page needs beyond htmx.
 * - one comment thread open at a time, opened and closed from the block's control;
 * - the passages quoted in an open thread are highlighted in the block;
 * - selecting words in a paragraph offers to comment on that passage.
 * Every flow also works without this file: the controls are plain links and forms.
 */
(function () {
  "use strict";

  var HIGHLIGHT = "wethink-quote";
  // The chapter page's blocks are lean (chapters/reading.py): the block holds its
  // HTML and, last, its control, a plain link to the thread; the thread's slot is
  // made here when it first opens. The thread page keeps the full block markup.
  var CONTROL = ".block__comments, .chapter--blocks > [data-pid] > a:not(.block__n), .whole-chapter__control";

  // The element holding a block's own text: its body, or the lean block itself.
  function bodyOf(block) {
    return block && (block.querySelector(".block__body") || block);
  }

  function blockOf(pid) {
    return document.querySelector('[data-pid="' + pid + '"]');
  }

  // A lean block's control, with its slot made and linked on first use.
  function slotFor(control) {
    var id = control.getAttribute("aria-controls");
    if (!id) {
      // A block, or the section of comments on the chapter as a whole.
      var block = control.closest("[data-pid], [data-thread-pid]") || control.parentElement;
      var slot = document.createElement("div");
      slot.className = "thread-slot";
      slot.id = "thread-" + (block.getAttribute("data-pid") || block.getAttribute("data-thread-pid"));
      block.appendChild(slot);
      control.setAttribute("aria-controls", slot.id);
      control.setAttribute("aria-expanded", "false");
      id = slot.id;
    }
    return document.getElementById(id);
  }

  function controlOf(pid) {
    var block = blockOf(pid);
    return block && block.querySelector(CONTROL);
  }

  function configureHtmx() {
    if (!window.htmx) return;
    // Show the server's 4xx answers (a form with its error message) in place.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "4..", swap: true, error: false },
      { code: "...", swap: false, error: true },
    ];
  }

  function controlFor(slot) {
    return document.querySelector('[aria-controls="' + slot.id + '"]');
  }

  function closeThread(slot, focusControl) {
    slot.innerHTML = "";
    slot.classList.remove("is-open");
    var control = controlFor(slot);
    if (control) {
      control.setAttribute("aria-expanded", "false");
      if (focusControl) control.focus();
    }
    highlightQuotes();
  }

  function closeOthers(except) {
    document.querySelectorAll(".thread-slot.is-open").forEach(function (slot) {
      if (slot !== except) closeThread(slot, false);
    });
  }

  // Text nodes of a block's text with their offsets in it: a lean block's control
  // and thread are not part of it.
  function skipped(node, root) {
    for (var el = node.parentElement; el && el !== root; el = el.parentElement) {
      if (el.parentElement === root && (el.matches(CONTROL) || el.matches(".thread-slot, .block__n"))) return true;
    }
    return false;
  }

  function textIndex(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return skipped(node, root) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      },
    });
    var nodes = [];
    var text = "";
    var node;
    while ((node = walker.nextNode())) {
      nodes.push({ node: node, start: text.length });
      text += node.nodeValue;
    }
    return { nodes: nodes, text: text };
  }

  function normalise(text) {
    return text.replace(/\s+/g, " ");
  }

  function rangeFor(index, start, end) {
    var range = document.createRange();
    var startSet = false;
    for (var i = 0; i < index.nodes.length; i++) {
      var item = index.nodes[i];
      var length = item.node.nodeValue.length;
      if (!startSet && start <= item.start + length) {
        range.setStart(item.node, start - item.start);
        startSet = true;
      }
      if (startSet && end <= item.start + length) {
        range.setEnd(item.node, end - item.start);
        return range;
      }
    }
    return null;
  }

  function canHighlight() {
    return !!(window.CSS && CSS.highlights && typeof Highlight !== "undefined");
  }

  function quoteRange(pid, exact, prefix) {
    var block = pid && bodyOf(blockOf(pid));
    if (!block) return null;
    var index = textIndex(block);
    var haystack = normalise(index.text);
    var quote = normalise(exact);
    prefix = normalise(prefix || "");
    var at = prefix ? haystack.indexOf(prefix + quote) : -1;
    at = at >= 0 ? at + prefix.length : haystack.indexOf(quote);
    // Offsets in the normalised text match the raw text when the block has no
    // runs of whitespace, which rendered paragraphs do not.
    if (at < 0 || haystack.length !== index.text.length) return null;
    return rangeFor(index, at, at + quote.length);
  }

  // Highlight every quoted passage of every open thread (CSS Custom Highlight API),
  // and every passage of the chapter while the reader keeps highlights on.
  function highlightQuotes() {
    if (!canHighlight()) return;
    var ranges = [];
    document.querySelectorAll(".thread [data-quote]").forEach(function (item) {
      var thread = item.closest(".thread");
      var range = quoteRange(
        thread && thread.getAttribute("data-thread"),
        item.getAttribute("data-quote"),
        item.getAttribute("data-prefix")
      );
      if (range) ranges.push(range);
    });
    if (allPassages) {
      allPassages.forEach(function (passage) {
        var range = quoteRange(passage.pid, passage.exact, passage.prefix);
        if (range) ranges.push(range);
      });
    }
    CSS.highlights.set(HIGHLIGHT, new Highlight(...ranges));
  }

  // --- Highlights shown all the time (remembered in localStorage) -----------

  var HIGHLIGHTS_KEY = "wethink:highlights";
  var allPassages = null; // the chapter's quoted passages while the switch is on

  function highlightsWanted() {
    try {
      return window.localStorage.getItem(HIGHLIGHTS_KEY) === "on";
    } catch (error) {
      return false;
    }
  }

  function highlightsRemember(on) {
    try {
      if (on) window.localStorage.setItem(HIGHLIGHTS_KEY, "on");
      else window.localStorage.removeItem(HIGHLIGHTS_KEY);
    } catch (error) {
      // Storage refused (private mode): the switch still works for this page.
    }
  }

  function highlightsSet(article, toggle, on) {
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    if (!on) {
      allPassages = null;
      highlightQuotes();
      return;
    }
    fetch(article.getAttribute("data-passages"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { passages: [] }; })
      .then(function (data) {
        if (toggle.getAttribute("aria-pressed") !== "true") return;
        allPassages = data.passages || [];
        highlightQuotes();
      })
      .catch(function () { allPassages = null; });
  }

  function highlightsSwitch() {
    var article = document.querySelector(".chapter--blocks[data-passages]");
    if (!article || !canHighlight()) return;
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "chip highlight-toggle";
    toggle.textContent = "Highlight commented passages";
    toggle.addEventListener("click", function () {
      var on = toggle.getAttribute("aria-pressed") !== "true";
      highlightsRemember(on);
      highlightsSet(article, toggle, on);
    });
    var meta = document.querySelector(".chapter-meta");
    if (meta) meta.appendChild(toggle);
    else article.parentElement.insertBefore(toggle, article);
    highlightsSet(article, toggle, highlightsWanted());
  }

  function focusThread(slot) {
    var wanted = slot.querySelector("[data-autofocus]") || slot.querySelector(".thread__title");
    if (wanted) wanted.focus({ preventScroll: false });
  }

  // --- Selecting a passage -------------------------------------------------

  var pending = null; // {pid, exact, prefix} waiting for its thread to load
  var offer = null;
  var used = ""; // the selection whose offer was taken: not offered again
  var mouseDown = false;

  function selectionKey(found) {
    return found.pid + "\u0000" + found.prefix + "\u0000" + found.exact;
  }

  // Where a point of a range falls in an element's textContent.
  // Counted over the block's own text only (textIndex), not its number or control.
  function offsetIn(root, container, offset) {
    var point = document.createRange();
    point.setStart(container, offset);
    var index = textIndex(root);
    var before = 0;
    for (var i = 0; i < index.nodes.length; i++) {
      var item = index.nodes[i];
      if (item.node === container) return item.start + offset;
      var end = item.node.nodeValue.length;
      if (point.comparePoint(item.node, end) > 0) break;
      before = item.start + end;
    }
    return before;
  }

  // Scripts written without spaces between words have no word edges to find.
  var WORD_CHAR = /[\p{L}\p{N}\p{M}_]/u;
  var NO_SPACES = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
  function wordChar(c) {
    return !!c && WORD_CHAR.test(c) && !NO_SPACES.test(c);
  }

  // A quote is whole words, as the server keeps it: a selection starting or ending
  // inside a word takes the rest of that word, so the form shows what is quoted.
  function wholeWords(text, start, end) {
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    while (start > 0 && start < end && wordChar(text[start - 1]) && wordChar(text[start])) start--;
    while (end < text.length && end > start && wordChar(text[end - 1]) && wordChar(text[end])) end++;
    return [start, end];
  }

  function bodyAt(node) {
    var el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    return el && (el.closest(".block__body") || el.closest(".chapter--blocks > [data-pid]"));
  }

  function selectionInBlock() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
    var range = selection.getRangeAt(0);
    var startBody = bodyAt(range.startContainer);
    var endBody = bodyAt(range.endContainer);
    if (!startBody || startBody !== endBody) return null;
    if (skipped(range.startContainer, startBody) || skipped(range.endContainer, startBody)) return null;
    var index = textIndex(startBody);
    var span = wholeWords(
      index.text,
      offsetIn(startBody, range.startContainer, range.startOffset),
      offsetIn(startBody, range.endContainer, range.endOffset)
    );
    var exact = normalise(index.text.slice(span[0], span[1]));
    if (!exact.trim()) return null;
    var prefix = normalise(index.text.slice(0, span[0])).slice(-32);
    return {
      pid: startBody.closest("[data-pid]").getAttribute("data-pid"),
      exact: exact,
      prefix: prefix,
      rect: range.getBoundingClientRect(),
      text: index.text,
    };
  }

  function hideOffer() {
    if (offer) offer.hidden = true;
  }

  function showOffer(found) {
    if (!offer) {
      offer = document.createElement("button");
      offer.type = "button";
      offer.className = "quote-offer";
      offer.textContent = "Comment on this passage";
      offer.addEventListener("mousedown", function (event) { event.preventDefault(); });
      offer.addEventListener("click", function () {
        var current = offer.found;
        used = selectionKey(current);
        hideOffer();
        openWithQuote(current);
      });
      document.body.appendChild(offer);
    }
    offer.found = found;
    offer.hidden = false;
    var top = window.scrollY + found.rect.bottom + 8;
    var left = Math.max(8, Math.min(window.scrollX + found.rect.left, window.scrollX + document.documentElement.clientWidth - 220));
    offer.style.top = top + "px";
    offer.style.left = left + "px";
  }

  // A reader who is not logged in keeps the passage through "Log in to comment":
  // it rides in the address the login returns to (?quote=), which fills the form.
  function carryQuote(slot, found) {
    slot.querySelectorAll(".thread__login a").forEach(function (link) {
      var url = new URL(link.href, window.location.href);
      var next = new URL(url.searchParams.get("next") || window.location.pathname, window.location.href);
      next.searchParams.set("quote", found.exact);
      if (found.prefix) next.searchParams.set("quote_prefix", found.prefix);
      url.searchParams.set("next", next.pathname + next.search);
      link.href = url.pathname + url.search;
    });
    var login = slot.querySelector(".thread__login");
    if (login && !login.querySelector(".thread__kept")) {
      var kept = document.createElement("span");
      kept.className = "thread__kept help";
      kept.textContent = " The passage you chose will be in the form when you come back.";
      login.appendChild(kept);
    }
  }

  function fillQuote(slot) {
    if (!pending) return;
    if (!slot.querySelector("form.comment-form")) carryQuote(slot, pending);
    var quote = slot.querySelector('input[name="quote"]');
    var prefix = slot.querySelector('input[name="quote_prefix"]');
    if (quote) {
      quote.value = pending.exact;
      if (prefix) prefix.value = pending.prefix;
      var more = quote.closest("details");
      if (more) more.open = true;
      var body = slot.querySelector('textarea[name="body"]');
      if (body) body.focus();
    }
    pending = null;
  }

  function openWithQuote(found) {
    var control = controlOf(found.pid);
    var slot = control && slotFor(control);
    pending = found;
    if (!slot) return;
    if (slot.classList.contains("is-open") && slot.querySelector(".thread")) {
      fillQuote(slot);
      return;
    }
    closeOthers(slot);
    htmx.ajax("GET", control.getAttribute("hx-get") || control.href, { target: slot, swap: "innerHTML" });
  }

  var selectionTimer = 0;
  function onSelectionEnd(delay) {
    window.clearTimeout(selectionTimer);
    selectionTimer = window.setTimeout(function () {
      var found = selectionInBlock();
      if (!found) used = "";
      if (found && controlOf(found.pid) && selectionKey(found) !== used) showOffer(found);
      else hideOffer();
    }, typeof delay === "number" ? delay : 10);
  }

  // --- Characters left in a text area ---------------------------------------
  // Text areas carry their limit in data-maxlength, not maxlength, which would cut
  // a long paste without a word. Near the limit a counter shows; over it the form
  // says so and is not sent (the server refuses it too).

  function counterFor(area) {
    var id = area.id ? area.id + "-count" : "";
    var counter = id && document.getElementById(id);
    if (!counter) {
      counter = document.createElement("span");
      counter.className = "char-count help";
      counter.setAttribute("aria-live", "polite");
      if (id) counter.id = id;
      area.insertAdjacentElement("afterend", counter);
    }
    return counter;
  }

  function countChars(area) {
    var limit = parseInt(area.getAttribute("data-maxlength"), 10);
    if (!limit) return true;
    // The server counts a line break as one character, as the form sends it.
    var length = area.value.replace(/\r\n/g, "\n").trim().length;
    var over = length > limit;
    var near = length >= limit * 0.9;
    var counter = area.nextElementSibling && area.nextElementSibling.classList.contains("char-count")
      ? area.nextElementSibling
      : (near ? counterFor(area) : null);
    if (counter) {
      counter.hidden = !near;
      counter.classList.toggle("is-over", over);
      counter.textContent = over
        ? (length - limit).toLocaleString() + " characters over the limit of " + limit.toLocaleString() + ": shorten the text to post it."
        : length.toLocaleString() + " of " + limit.toLocaleString() + " characters";
    }
    if (over) area.setAttribute("aria-invalid", "true");
    else area.removeAttribute("aria-invalid");
    return !over;
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-maxlength]")) countChars(event.target);
  });

  // In the capture phase, before htmx sends the form.
  document.addEventListener("submit", function (event) {
    var areas = event.target.querySelectorAll("textarea[data-maxlength]");
    for (var i = 0; i < areas.length; i++) {
      if (!countChars(areas[i])) {
        event.preventDefault();
        event.stopPropagation();
        var counter = areas[i].nextElementSibling;
        if (counter) counter.setAttribute("role", "alert");
        areas[i].focus();
        return;
      }
    }
  }, true);

  // A thread carries its comment count; the block's control shows it.
  function updateControl(thread) {
    var slot = thread.closest(".thread-slot");
    var control = slot && controlFor(slot);
    if (!control) return;
    var count = parseInt(thread.getAttribute("data-count") || "0", 10);
    var n = thread.getAttribute("data-n");
    var name = "Comments on paragraph " + n + (count ? " (" + count + ")" : "");
    if (control.classList.contains("whole-chapter__control")) {
      control.textContent = count
        ? count + (count === 1 ? " comment" : " comments") + " on the chapter as a whole"
        : "Comment on the chapter as a whole";
      return;
    }
    if (control.classList.contains("block__comments")) {
      control.setAttribute("aria-label", name);
      control.classList.toggle("has-comments", count > 0);
      var shown = control.querySelector("span");
      if (shown) shown.textContent = count ? String(count) : "+";
      return;
    }
    control.textContent = name;
    if (count) control.setAttribute("data-n", String(count));
    else control.removeAttribute("data-n");
  }

  // --- Wiring ---------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var control = event.target.closest(CONTROL);
    if (control) {
      var lean = !control.hasAttribute("hx-get");
      // Without htmx a lean control is the plain link to the thread page.
      if (lean && !window.htmx) return;
      var slot = lean ? slotFor(control) : document.getElementById(control.getAttribute("aria-controls"));
      if (slot && slot.classList.contains("is-open")) {
        // A second click closes the thread instead of loading it again.
        event.preventDefault();
        event.stopImmediatePropagation();
        closeThread(slot, true);
        return;
      }
      closeOthers(slot);
      if (lean && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) {
        event.preventDefault();
        htmx.ajax("GET", control.href, { target: slot, swap: "innerHTML" });
      }
      return;
    }
    var close = event.target.closest("[data-thread-close]");
    if (close) {
      var open = close.closest(".thread-slot");
      if (open) closeThread(open, true);
    }
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = event.target.closest && event.target.closest(".thread-slot.is-open");
    if (open) closeThread(open, true);
    hideOffer();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var slot = event.detail.target.closest ? event.detail.target.closest(".thread-slot") : null;
    if (!slot) {
      highlightQuotes();
      return;
    }
    slot.classList.add("is-open");
    var control = controlFor(slot);
    if (control) control.setAttribute("aria-expanded", "true");
    if (event.detail.target === slot) focusThread(slot);
    fillQuote(slot);
    highlightQuotes();
  });

  document.addEventListener("mousedown", function (event) {
    if (event.button === 0 && !(offer && event.target === offer)) mouseDown = true;
  });
  document.addEventListener("mouseup", function () {
    mouseDown = false;
    onSelectionEnd();
  });
  // A long press on a phone selects without a mouseup: follow the selection
  // itself, once it has settled, and not while a mouse is still dragging.
  document.addEventListener("selectionchange", function () {
    if (!mouseDown) onSelectionEnd(250);
  });
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey || event.key === "Shift") onSelectionEnd();
  });
  document.addEventListener("touchend", onSelectionEnd);

  document.addEventListener("htmx:load", function (event) {
    var thread = event.detail.elt.matches && event.detail.elt.matches(".thread")
      ? event.detail.elt
      : event.detail.elt.querySelector && event.detail.elt.querySelector(".thread");
    if (thread) updateControl(thread);
    if (event.detail.elt.querySelectorAll) {
      event.detail.elt.querySelectorAll("textarea[data-maxlength]").forEach(countChars);
    }
  });

  // Lean blocks get their number as a link to themselves (a permalink); without
  // this file CSS draws the number and the block's id still answers #p-<pid>.
  function numberBlocks() {
    document.querySelectorAll(".chapter--blocks").forEach(function (article) {
      var n = 0;
      article.querySelectorAll(":scope > [data-pid]").forEach(function (block) {
        n += 1;
        var link = document.createElement("a");
        link.className = "block__n";
        link.href = "#" + block.id;
        link.textContent = String(n);
        block.insertBefore(link, block.firstChild);
      });
      article.classList.add("is-numbered");
    });
  }

  // Panels folded away on a phone (the feedback queue's filters) start open on a
  // wide screen, where they fit beside the first items.
  function openWide() {
    if (!window.matchMedia("(min-width: 56rem)").matches) return;
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
      details.open = true;
    });
  }

  // Since your last visit: a signed-in reader's page (its body carries the CSRF
  // header) posts the visit; the answer, a notice, goes above the text, and each
  // paragraph changed since then gets its margin number marked, linking to the change.
  function sinceLastVisit() {
    var article = document.querySelector(".chapter--blocks[data-visit]");
    var headers = document.body.getAttribute("hx-headers");
    if (!article || !headers || !window.fetch) return;
    var token;
    try { token = JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return; }
    fetch(article.getAttribute("data-visit"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, Accept: "text/html" },
    }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      if (!html.trim()) return;
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var notice = holder.querySelector(".since");
      if (!notice) return;
      article.parentNode.insertBefore(notice, article);
      var diff = notice.getAttribute("data-since-diff");
      var label = notice.getAttribute("data-since-label");
      (notice.getAttribute("data-since-pids") || "").split(" ").forEach(function (pid) {
        var block = pid && document.getElementById("p-" + pid);
        if (!block || block.parentElement !== article) return;
        block.classList.add("is-changed");
        var number = block.querySelector(":scope > .block__n");
        if (!number) return;
        number.href = diff + "#p-" + pid;
        number.setAttribute("aria-label", label.replace("%(n)s", number.textContent));
      });
    }).catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    numberBlocks();
    sinceLastVisit();
    openWide();
    configureHtmx();
    highlightsSwitch();
    highlightQuotes();
  });
})();
