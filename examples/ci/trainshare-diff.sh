#!/bin/sh
# Post what a pull request's spec change does (`trainshare diff -f markdown`) as a comment on it.
#
# Environment:
#   BASE_REF    the revision the pull request targets, fetched (default origin/main)
#   SPEC        the spec's path from the repository's top (default trainshare.yaml)
#   PR_NUMBER   the pull request; `gh` posts with GH_TOKEN
#   TRAINSHARE_DIFF_REQUIRE_APPROVAL=1  exit 3 after posting when something changes, so a
#               required check fails until someone approves (or re-runs it)
# One comment per pull request, found by the marker line it ends with and updated on each push:
# never another workflow's comment, even one the same bot posted. Where the token cannot comment
# (a pull request from a fork gets a read-only token), the diff goes to the job's summary.
# Exit: 0 posted, or nothing changes; 1 a spec cannot be read (its errors are printed).
set -u
base="${BASE_REF:-origin/main}"
spec="${SPEC:-trainshare.yaml}"
marker="<!-- trainshare-diff: $(printf '%s' "$spec" | tr -c 'A-Za-z0-9._/-' '_') -->"
body="${TMPDIR:-/tmp}/trainshare-diff.$$.md"
trap 'rm -f "$body"' EXIT
status=0
trainshare diff "git:$base:$spec" "$spec" -f markdown > "$body" || status=$?
post() {
  found=$(gh api "repos/{owner}/{repo}/issues/$PR_NUMBER/comments" --paginate \
    --jq ".[] | select(.body | endswith(\"$marker\")) | .id") || return 1
  ours=$(printf '%s\n' "$found" | tail -n 1)
  # a comment that only looks like ours (someone quoted it) cannot be edited: post a new one
  if [ -n "$ours" ] && gh api -X PATCH "repos/{owner}/{repo}/issues/comments/$ours" \
      -F "body=@$body" > /dev/null; then
    return 0
  fi
  gh pr comment "$PR_NUMBER" --body-file "$body" > /dev/null
}
case "$status" in
  0)
    echo "trainshare diff: $spec changes nothing against $base"
    ;;
  3)
    printf '\n%s' "$marker" >> "$body"
    if post; then
      echo "trainshare diff: posted on pull request $PR_NUMBER"
    elif [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      cat "$body" >> "$GITHUB_STEP_SUMMARY"
      echo "trainshare diff: cannot comment on pull request $PR_NUMBER (a fork's read-only" \
        "token?): the diff is in this job's summary" >&2
    else
      exit 1
    fi
    if [ "${TRAINSHARE_DIFF_REQUIRE_APPROVAL:-0}" = 1 ]; then exit 3; fi
    ;;
  *)
    exit 1
    ;;
esac
