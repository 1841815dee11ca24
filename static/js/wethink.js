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
  var CONTROL = ".block__comments, .chapter--blocks > [data-pid] > a:not(.block__n)";

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
      var block = control.parentElement;
      var slot = document.createElement("div");
      slot.className = "thread-slot";
      slot.id = "thread-" + block.getAttribute("data-pid");
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

  // Highlight every quoted passage of every open thread (CSS Custom Highlight API).
  function highlightQuotes() {
    if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
    var ranges = [];
    document.querySelectorAll(".thread [data-quote]").forEach(function (item) {
      var thread = item.closest(".thread");
      var pid = thread && thread.getAttribute("data-thread");
      var block = pid && bodyOf(blockOf(pid));
      if (!block) return;
      var index = textIndex(block);
      var haystack = normalise(index.text);
      var quote = normalise(item.getAttribute("data-quote"));
      var prefix = normalise(item.getAttribute("data-prefix") || "");
      var at = prefix ? haystack.indexOf(prefix + quote) : -1;
      at = at >= 0 ? at + prefix.length : haystack.indexOf(quote);
      // Offsets in the normalised text match the raw text when the block has no
      // runs of whitespace, which rendered paragraphs do not.
      if (at < 0 || haystack.length !== index.text.length) return;
      var range = rangeFor(index, at, at + quote.length);
      if (range) ranges.push(range);
    });
    CSS.highlights.set(HIGHLIGHT, new Highlight(...ranges));
  }

  function focusThread(slot) {
    var wanted = slot.querySelector("[data-autofocus]") || slot.querySelector(".thread__title");
    if (wanted) wanted.focus({ preventScroll: false });
  }

  // --- Selecting a passage -------------------------------------------------

  var pending = null; // {pid, exact, prefix} waiting for its thread to load
  var offer = null;

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

  function fillQuote(slot) {
    if (!pending) return;
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

  function onSelectionEnd() {
    window.setTimeout(function () {
      var found = selectionInBlock();
      if (found && controlOf(found.pid)) showOffer(found);
      else hideOffer();
    }, 10);
  }

  // A thread carries its comment count; the block's control shows it.
  function updateControl(thread) {
    var slot = thread.closest(".thread-slot");
    var control = slot && controlFor(slot);
    if (!control) return;
    var count = parseInt(thread.getAttribute("data-count") || "0", 10);
    var n = thread.getAttribute("data-n");
    var name = "Comments on paragraph " + n + (count ? " (" + count + ")" : "");
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

  document.addEventListener("mouseup", onSelectionEnd);
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey || event.key === "Shift") onSelectionEnd();
  });
  document.addEventListener("touchend", onSelectionEnd);

  document.addEventListener("htmx:load", function (event) {
    var thread = event.detail.elt.matches && event.detail.elt.matches(".thread")
      ? event.detail.elt
      : event.detail.elt.querySelector && event.detail.elt.querySelector(".thread");
    if (thread) updateControl(thread);
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

  document.addEventListener("DOMContentLoaded", function () {
    numberBlocks();
    openWide();
    configureHtmx();
    highlightQuotes();
  });
})();
