// Start GOV.UK Frontend's components (conditional reveal, error summary, menus).
// Everything works without this file: it only improves pages in the browser.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
