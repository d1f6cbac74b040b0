#!/usr/bin/env bash
# `make test-dates`: the whole suite at the awkward moments, one run each (Europe/Rome time):
# last and first day of a month, quarter and year, 29 February, both DST change days, 23:30.
# A test must pass on every one of them, as on the real date (`make test`). Extra arguments go
# to pytest; CRM_TEST_DATES overrides the list (space-separated ISO 8601 moments).
set -uo pipefail
cd "$(dirname "$0")/.."
dates="${CRM_TEST_DATES:-2026-12-31T23:30 2027-01-01T00:10 2027-03-31T23:30 2027-04-01T08:00 2027-03-28T02:30 2027-10-31T02:30 2028-02-29T12:00 2027-06-30T23:30 2027-01-31T23:30}"
failed=()
for moment in $dates; do
  printf '\n\033[1;34m==>\033[0m %s\n' "clock at $moment"
  CRM_TEST_NOW="$moment" TEST_ONLY_PYTEST=1 bash scripts/test.sh "$@" || failed+=("$moment")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "Failed at: ${failed[*]}" >&2
  exit 1
fi
echo "Passed at every moment: $dates"
