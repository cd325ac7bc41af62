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

// Content swapped in by htmx (a filtered list) gets the same treatment.
document.body.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail && event.detail.target;
  if (target instanceof Element) {
    enhanceAutocompletes(target);
  }
});
