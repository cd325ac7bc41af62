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
