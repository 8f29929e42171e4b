#!/usr/bin/env bash
# The GitHub Action's one step (action.yml): runs rtconform with the action's inputs, sets its
# outputs and puts compliance.md in the job summary. Runs the same anywhere: tests call it with
# the variables GitHub would set (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH).
set -uo pipefail
here=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
cli="$here/dist/cli/main.js"
if [ ! -f "$cli" ]; then
  # The action's own checkout has no build: install and build it once.
  (cd "$here" && npm ci --no-audit --no-fund >&2) || { echo "rtconform action: could not install rtconform in $here" >&2; exit 2; }
fi

out=${INPUT_OUT:-rtconform-report}
args=(run --out "$out")
for runtime in ${INPUT_RUNTIMES//,/ }; do args+=(--runtime "$runtime"); done
for suite in ${INPUT_SUITES//,/ }; do args+=(--suite "$suite"); done
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
[ -n "${INPUT_SPEC_VERSION:-}" ] && args+=(--spec-version "$INPUT_SPEC_VERSION")
[ "${INPUT_IN_CONTAINER:-false}" = true ] && args+=(--in-container)

node "$cli" "${args[@]}"
code=$?
case $code in
  0) verdict=pass ;;
  1) verdict=fail ;;
  130) verdict=interrupted ;;
  *) verdict=error ;;
esac

wrote=no
case $code in 0 | 1 | 130) [ -f "$out/compliance.json" ] && wrote=yes ;; esac

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "verdict=$verdict"
    echo "exit-code=$code"
    echo "report-dir=$out"
    echo "compliance-json=$out/compliance.json"
    echo "compliance-md=$out/compliance.md"
    echo "junit=$out/junit.xml"
    echo "html=$out/compliance.html"
    # What the report says: the headline ("11 MUST requirements fail as declared; …") and the
    # failures by level, counted and declared. None when this run wrote no report: a run refused
    # before its tests (exit 2) leaves the out dir's previous report, which is not this run's.
    if [ "$wrote" = yes ]; then node "$here/dist/src/cli/action-outputs.js" "$out/compliance.json"; fi
  } >> "$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ "$wrote" = yes ] && [ -f "$out/compliance.md" ]; then
  cat "$out/compliance.md" >> "$GITHUB_STEP_SUMMARY"
fi
exit "$code"
