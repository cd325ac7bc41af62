#!/usr/bin/env node
// Copies the front-end packages' precompiled dist files from node_modules into static/vendor/.
//
// Council networks are closed, so nothing is ever served from a CDN: the pinned npm packages
// (package.json) are the only source, and their copies under static/vendor/ are not committed.
// GOV.UK Frontend and MOJ Frontend ship minified CSS whose url()s are absolute (/assets/...);
// they are rewritten to paths relative to the CSS file, so fonts and images resolve under
// whatever STATIC_URL is (and Django's manifest storage can fingerprint them).
//
// Usage: node scripts/build-static.mjs   (the Makefile's `static` target runs it)

import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "static", "vendor");

// Each package: where its dist lives, and what to copy where (relative to static/vendor/<name>).
const packages = [
  {
    name: "govuk-frontend",
    from: "govuk-frontend/dist/govuk",
    files: ["govuk-frontend.min.css", "govuk-frontend.min.css.map", "govuk-frontend.min.js", "govuk-frontend.min.js.map"],
    dirs: [["assets/fonts", "assets/fonts"], ["assets/images", "assets/images"]],
    css: ["govuk-frontend.min.css"],
  },
  {
    name: "moj-frontend",
    from: "@ministryofjustice/frontend/moj",
    files: ["moj-frontend.min.css", "moj-frontend.min.css.map", "moj-frontend.min.js", "moj-frontend.min.js.map"],
    dirs: [["assets/images", "assets/images"]],
    css: ["moj-frontend.min.css"],
  },
  {
    name: "htmx",
    from: "htmx.org/dist",
    files: ["htmx.min.js"],
    dirs: [],
    css: [],
  },
  {
    name: "accessible-autocomplete",
    from: "accessible-autocomplete/dist",
    files: [
      "accessible-autocomplete.min.css",
      "accessible-autocomplete.min.css.map",
      "accessible-autocomplete.min.js",
      "accessible-autocomplete.min.js.map",
    ],
    dirs: [],
    css: ["accessible-autocomplete.min.css"],
  },
  {
    // Charts drawn in the page from figures the server sends (the same figures as a table).
    name: "chart.js",
    from: "chart.js/dist",
    files: ["chart.umd.min.js", "chart.umd.min.js.map"],
    dirs: [],
    css: [],
  },
];

function fail(message) {
  console.error(`build-static: ${message}`);
  process.exit(1);
}

if (!existsSync(modules)) {
  fail("node_modules is missing: run `npm ci` (or `make install`) first");
}

rmSync(vendor, { recursive: true, force: true });

for (const pkg of packages) {
  const source = join(modules, pkg.from);
  const target = join(vendor, pkg.name);
  if (!existsSync(source)) {
    fail(`${pkg.from} not found: is the package installed?`);
  }
  mkdirSync(target, { recursive: true });
  for (const file of pkg.files) {
    const from = join(source, file);
    if (!existsSync(from)) {
      fail(`${pkg.from}/${file} not found`);
    }
    copyFileSync(from, join(target, file));
  }
  for (const [fromDir, toDir] of pkg.dirs) {
    cpSync(join(source, fromDir), join(target, toDir), { recursive: true });
  }
  for (const css of pkg.css) {
    const path = join(target, css);
    const text = readFileSync(path, "utf8");
    // url(/assets/x) -> url(assets/x): the assets folder sits beside the CSS file.
    const rewritten = text.replace(/url\((['"]?)\/assets\//g, "url($1assets/");
    writeFileSync(path, rewritten);
    const leftovers = rewritten.match(/url\((['"]?)\/[^)]*\)/g);
    if (leftovers) {
      fail(`${pkg.name}/${css} still has absolute url()s: ${leftovers.slice(0, 3).join(", ")}`);
    }
  }
}

writeFileSync(
  join(vendor, "README.txt"),
  "Built by scripts/build-static.mjs from node_modules; not committed. Run `make static`.\n",
);
console.log(`build-static: copied ${packages.map((p) => p.name).join(", ")} into static/vendor/`);
