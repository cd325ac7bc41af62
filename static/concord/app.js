// Concord's only script: switches on GOV.UK and MOJ Frontend components and small enhancements.
// Loaded as a module from our own origin, because the Content-Security-Policy allows no inline
// script. Every page works without it; it only makes pages nicer when JavaScript runs.

import { initAll as initGovuk } from "../vendor/govuk-frontend/govuk-frontend.min.js";
import { initAll as initMoj } from "../vendor/moj-frontend/moj-frontend.min.js";

// GOV.UK Frontend styles its enhanced components only when the body says it is supported.
document.body.classList.add("js-enabled", "govuk-frontend-supported");

function initComponents(scope) {
  initGovuk({ scope });
  initMoj({ scope });
}

// Selects marked data-concord-autocomplete become accessible-autocomplete type-aheads.
function enhanceAutocompletes(scope) {
  if (!window.accessibleAutocomplete) {
    return;
  }
  scope.querySelectorAll("select[data-concord-autocomplete]").forEach((select) => {
    if (select.dataset.concordEnhanced) {
      return;
    }
    select.dataset.concordEnhanced = "true";
    window.accessibleAutocomplete.enhanceSelectElement({
      selectElement: select,
      defaultValue: "",
      showAllValues: true,
      dropdownArrow: () => "",
    });
  });
}

initComponents(document);
enhanceAutocompletes(document);

// Content htmx puts on the page (a filtered list, and with it any error summary and the filter
// form drawn again) gets what the page got on load. htmx fires htmx:load on each new element,
// and once on the body at start-up, which is done above. GOV.UK's error summary moves focus to
// itself as it starts, so a filter error is announced and reached as on a full page.
document.body.addEventListener("htmx:load", (event) => {
  const content = event.target;
  if (content instanceof Element && content !== document.body) {
    initComponents(content);
    enhanceAutocompletes(content);
  }
});

// The header's "Councils shown" form goes back to the page it is on, which its hidden `next`
// names as the page was loaded. Filtering in place changes the address (htmx pushes it), so
// `next` follows: "Show" then keeps the filters. htmx fires these on the body once the address
// has changed.
function keepNextOnThisAddress() {
  const next = document.getElementById("concord-partner-filter-next");
  if (next) {
    next.value = window.location.pathname + window.location.search;
  }
}
document.body.addEventListener("htmx:pushedIntoHistory", keepNextOnThisAddress);
document.body.addEventListener("htmx:replacedInHistory", keepNextOnThisAddress);

function isPoll(element) {
  return /\bevery\b/.test(element.getAttribute("hx-trigger") || "");
}

// htmx shows nothing when an in-place update fails: without this, "Apply filters" would do
// nothing at all on a server error or a dropped connection, and the old results would stay as
// if they were the answer. A form then falls back to what it does without JavaScript: submit()
// sends it as an ordinary page load (htmx never sees it: submit() fires no submit event), so the
// person sees the server's error page, their browser's offline page, or the list after all.
// Only a GET form (a filter) is sent again: a POST that was lost on its way back may have been
// done already, and sending it twice could do it twice.
function loadAsAPage(event) {
  const source = event.detail && event.detail.elt;
  if (source instanceof HTMLFormElement && source.method === "get") {
    source.submit();
  }
}

// A poll (the progress of an import) keeps polling through a dropped connection, as htmx does
// by itself: the next poll may well get through, and the page says how to refresh it. An error
// answer, though, will not mend itself every 2 seconds: the page is loaded again, so the person
// sees what the server says (its error page, or the import's outcome).
document.body.addEventListener("htmx:responseError", (event) => {
  const source = event.detail && event.detail.elt;
  if (source instanceof Element && isPoll(source)) {
    window.location.reload();
  } else {
    loadAsAPage(event);
  }
});
document.body.addEventListener("htmx:sendError", loadAsAPage);
document.body.addEventListener("htmx:timeout", loadAsAPage);

// The navigation's groups open without JavaScript (they are <details>). With it, opening one
// closes the others, and Escape or a click elsewhere closes an open one, as a menu would.
const navGroups = Array.from(document.querySelectorAll("details[data-concord-nav-group]"));
navGroups.forEach((group) => {
  group.addEventListener("toggle", () => {
    if (group.open) {
      navGroups.filter((other) => other !== group).forEach((other) => other.removeAttribute("open"));
    }
  });
  group.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && group.open) {
      group.removeAttribute("open");
      group.querySelector("summary").focus();
    }
  });
});
document.addEventListener("click", (event) => {
  navGroups.forEach((group) => {
    if (group.open && !group.contains(event.target)) {
      group.removeAttribute("open");
    }
  });
});
