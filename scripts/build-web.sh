#!/usr/bin/env bash
# Install the front-end packages named in web/package.json (lock committed) and copy what the pages load into
# web/static/vendor, so that nothing is ever fetched from a CDN at run time.
set -euo pipefail
cd "$(dirname "$0")/../web"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
vendor=static/vendor
rm -rf "$vendor"
mkdir -p "$vendor/swagger-ui" "$vendor/htmx" "$vendor/monaco" "$vendor/katex" "$vendor/highlight" "$vendor/chartjs"
cp node_modules/swagger-ui-dist/{swagger-ui-bundle.js,swagger-ui.css,swagger-ui-standalone-preset.js} "$vendor/swagger-ui/"
cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx/"
cp -r node_modules/monaco-editor/min/vs "$vendor/monaco/"
cp node_modules/katex/dist/katex.min.js node_modules/katex/dist/katex.min.css "$vendor/katex/"
cp -r node_modules/katex/dist/fonts "$vendor/katex/"
cp node_modules/@highlightjs/cdn-assets/highlight.min.js "$vendor/highlight/"
cp node_modules/chart.js/dist/chart.umd.min.js "$vendor/chartjs/"
echo "web assets copied into web/$vendor"
