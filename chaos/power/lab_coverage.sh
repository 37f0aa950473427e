#!/usr/bin/env bash
# `just lab-coverage`: line and branch coverage of system/ under the lab alone (never the unit
# tests). The lab is the CI battery: `mqlab battery --budget` once it exists (issue 12), until
# then the CI suite with one seed plus a short `mqlab check all`. V8 coverage (c8) over system/
# only: tests, test helpers, the CLIs and the real Env are excluded (the lab runs the sim Env, so
# counting system/env/real/ and system/cli/ would only measure what the lab cannot reach by design).
# Usage: lab_coverage.sh [outDir] — HTML under outDir (default reports/out/lab-coverage).
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${1:-reports/out/lab-coverage}"
runs="${out}/runs"
rm -rf "$out"
mkdir -p "$runs"
c8flags=(--all --src system --include 'system/**' --exclude '**/*.test.ts' --exclude '**/testing/**'
  --exclude '**/*.test_support.ts' --exclude 'system/cli/**' --exclude 'system/env/real/**'
  --exclude '**/*.d.ts' --temp-directory "${out}/v8" -o "$out" --clean=false)
rm -rf "${out}/v8"; mkdir -p "${out}/v8"
status=0
if node --import tsx chaos/cli/mqlab.ts battery --help 2>/dev/null | grep -q -- "--budget"; then
  c8 "${c8flags[@]}" --reporter=none node --enable-source-maps --import tsx chaos/cli/mqlab.ts battery --budget "${LAB_BUDGET_S:-300}" --seed 1 --out "$runs/battery" || status=$?
else
  c8 "${c8flags[@]}" --reporter=none node --enable-source-maps --import tsx chaos/cli/mqlab.ts suite ci --seeds 1 --out "$runs/suite-ci" || status=$?
  c8 "${c8flags[@]}" --reporter=none node --enable-source-maps --import tsx chaos/cli/mqlab.ts check all --runs "${LAB_CHECK_RUNS:-4}" --seed 1 --out "$runs/check-all" || status=$?
fi
c8 report "${c8flags[@]}" --reporter=html --reporter=text-summary --reporter=json-summary
# The code probes those runs hit (result.json files; `check` runs print theirs instead).
node --import tsx chaos/cli/mqlab.ts coverage "$runs" --report-only --html "${out}/probes" | tail -n 3
echo "lab-coverage: HTML report in ${out}/index.html (lab exit status ${status})"
exit "$status"
