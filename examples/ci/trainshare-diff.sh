#!/bin/sh
# Post what a pull request's spec change does (`trainshare diff -f markdown`) as a comment on it.
#
# Environment:
#   BASE_REF    the revision the pull request targets, fetched (default origin/main)
#   SPEC        the spec's path from the repository's top (default trainshare.yaml)
#   PR_NUMBER   the pull request; `gh` posts with GH_TOKEN
#   TRAINSHARE_DIFF_REQUIRE_APPROVAL=1  exit 3 after posting when something changes, so a
#               required check fails until someone approves (or re-runs it)
# Exit: 0 posted, or nothing changes; 1 a spec cannot be read (its errors are printed).
set -u
base="${BASE_REF:-origin/main}"
spec="${SPEC:-trainshare.yaml}"
body="${TMPDIR:-/tmp}/trainshare-diff.$$.md"
trap 'rm -f "$body"' EXIT
status=0
trainshare diff "git:$base:$spec" "$spec" -f markdown > "$body" || status=$?
case "$status" in
  0)
    echo "trainshare diff: $spec changes nothing against $base"
    ;;
  3)
    # one comment per pull request, updated on each push
    gh pr comment "$PR_NUMBER" --body-file "$body" --edit-last 2>/dev/null \
      || gh pr comment "$PR_NUMBER" --body-file "$body" || exit 1
    echo "trainshare diff: posted on pull request $PR_NUMBER"
    if [ "${TRAINSHARE_DIFF_REQUIRE_APPROVAL:-0}" = 1 ]; then exit 3; fi
    ;;
  *)
    exit 1
    ;;
esac
