"""An OU's AWS name can differ from its key (`name:`), as an account's, an SCP's or a share's can:
what `trainshare import` writes for OU names the spec cannot take as keys, so that importing and
then `pulumi up` renames no live OU. The plan sends that name, the audit matches and compares
OUs by it, and two siblings of one name are refused as AWS refuses them."""

from __future__ import annotations

import pytest

from tests.property.test_import_names import organization, ou_id
from tests.unit.test_spec_errors import BASE, HEADER, errors_of
from trainshare.audit import diff
from trainshare.audit.diff import DriftKind
from trainshare.audit.diff.drift import Comparison
from trainshare.audit.diff.tree import check_units
from trainshare.importer import import_snapshot, write_imported
from trainshare.plan import build_plan, kinds
from trainshare.plan.names import unit_node
from trainshare.spec import load_spec
from trainshare.spec.changes import compare_specs
from trainshare.yamlsource import read_yaml

ADOPTED = HEADER + (
    "units:\n  x-y:\n    id: ou-ab12-00000000\n    name: x/y\n    ml: {id: ou-ab12-00000001}\n"
)


def test_the_plan_names_an_ou_by_its_name_and_its_node_by_its_key(write_spec):
    plan = build_plan(load_spec(write_spec(ADOPTED)))
    unit = plan[unit_node("x-y")]
    assert (unit.kind, unit.inputs["name"], unit.import_id) == (
        kinds.ORGANIZATIONAL_UNIT,
        "x/y",
        "ou-ab12-00000000",
    )
    assert plan[unit_node("x-y/ml")].inputs["name"] == "ml"


def test_without_name_the_key_is_the_name(write_spec):
    spec = load_spec(write_spec(BASE))
    assert [(u.path, u.key, u.name) for u in spec.units.values()] == [
        ("ml", "ml", "ml"),
        ("ml/training", "training", "training"),
    ]


def test_a_top_level_ou_keyed_name_is_still_an_ou(write_spec):
    """Under `units:` every key is an OU: `name` is an OU's setting only inside an OU."""
    spec = load_spec(write_spec(HEADER + "units:\n  name:\n    id: ou-ab12-00000000\n"))
    assert [(u.path, u.name) for u in spec.units.values()] == [("name", "name")]


CHILD_KEYED_NAME = (
    "`name` in OU 'ml' is the OU's AWS name, a string; a child OU cannot be keyed `name`"
)
ERRORS = [
    (
        "a child OU keyed name (a mapping), as before `name:` was a setting",
        BASE.replace("    training: {}", "    name: {id: ou-ab12-00000000}\n    training: {}"),
        "WRONG_TYPE",
        "units.ml.name",
        7,
        CHILD_KEYED_NAME,
    ),
    (
        "a child OU keyed name without a body",
        BASE.replace("    training: {}", "    name:\n    training: {}"),
        "WRONG_TYPE",
        "units.ml.name",
        7,
        CHILD_KEYED_NAME,
    ),
    (
        "a name that is not a string",
        BASE.replace("    training: {}", "    name: 123456789012\n    training: {}"),
        "WRONG_TYPE",
        "units.ml.name",
        7,
        "the AWS name of OU 'ml' must be a string, got 123456789012",
    ),
    (
        "an empty name",
        BASE.replace("    training: {}", "    name: ''\n    training: {}"),
        "INVALID_VALUE",
        "units.ml.name",
        7,
        "the AWS name of OU 'ml' must be 1-128 characters, got 0 (CreateOrganizationalUnit Name)",
    ),
    (
        "a name over 128 characters",
        BASE.replace("    training: {}", f"    name: {'x' * 129}\n    training: {{}}"),
        "INVALID_VALUE",
        "units.ml.name",
        7,
        "the AWS name of OU 'ml' must be 1-128 characters, got 129 (CreateOrganizationalUnit Name)",
    ),
    (
        "two siblings of one AWS name",
        BASE.replace("    training: {}", "    training: {}\n    train-2: {name: training}"),
        "DUPLICATE_OU_NAME",
        "units.ml.train-2.name",
        8,
        "OU 'ml/train-2' has the AWS name 'training', as its sibling 'ml/training'",
    ),
    (
        "a sibling named as another's key",
        BASE.replace("    training: {}", "    training: {}\n    a: {name: b}\n    b: {}"),
        "DUPLICATE_OU_NAME",
        "units.ml.b",
        9,
        "OU 'ml/b' has the AWS name 'b', as its sibling 'ml/a'",
    ),
]


@pytest.mark.parametrize(
    ("text", "code", "field", "line", "message"), [pytest.param(*c[1:], id=c[0]) for c in ERRORS]
)
def test_a_bad_ou_name_is_a_located_error(write_spec, text, code, field, line, message):
    errors = errors_of(write_spec, text)
    assert [(e.code, e.location.path, e.location.line, e.message) for e in errors] == [
        (code, field, line, message)
    ]
    assert errors[0].fix


def test_any_characters_aws_allows_are_a_name(write_spec):
    """CreateOrganizationalUnit Name: pattern [\\s\\S]*, 1-128 characters."""
    name = "a/b: c # \u00fc\t" + "x" * 117
    text = HEADER + 'units:\n  a: {name: "a/b: c # \u00fc\\t' + "x" * 117 + '"}\n'
    assert len(name) == 128
    assert load_spec(write_spec(text)).units["a"].name == name


def test_names_differing_only_by_case_warn_where_trainshare_creates_one(write_spec):
    text = HEADER + "units:\n  ml: {}\n  ml-2: {name: ML}\n"
    spec = load_spec(write_spec(text))
    assert [(w.code, w.location.path, w.location.line, w.message) for w in spec.warnings] == [
        (
            "OU_NAME_CASE_CLASH",
            "units.ml-2.name",
            7,
            "OU 'ml-2' has the AWS name 'ML' and its sibling 'ml' has 'ml': they differ only "
            "by case",
        )
    ]


def test_two_existing_ous_of_names_differing_by_case_do_not_warn(write_spec):
    """As `import` writes them: AWS holds both already."""
    text = HEADER + (
        "units:\n  ml: {id: ou-ab12-00000000}\n  ml-2: {id: ou-ab12-00000001, name: ML}\n"
    )
    assert load_spec(write_spec(text)).warnings == ()


# -- import, then plan and audit ------------------------------------------------------------------

LIVE = organization(
    [
        ("x/y", None),
        ("ML", None),
        ("ml", None),
        ("tags", 1),
        ("123456789012", None),
        ("name", 2),
        ("renamed_from", 0),
        ("ai_services_opt_out", 0),
    ],
    [("a", 3)],
    [],
    [],
)


def test_import_then_plan_renames_no_ou(tmp_path):
    # given an organization whose OU names the spec cannot all take as keys
    # when it is imported and the spec written is planned
    write_imported(import_snapshot(LIVE), LIVE, tmp_path / "o")
    spec = load_spec(tmp_path / "o" / "trainshare.yaml")
    plan = build_plan(spec)
    # then each OU is adopted by its ID under the name it has
    planned = {
        n.import_id: n.inputs["name"] for n in plan.nodes if n.kind == kinds.ORGANIZATIONAL_UNIT
    }
    assert planned == {u.id: u.name for u in LIVE.units}
    assert sorted(spec.units) == [
        "123456789012-1",
        "ML",
        "ML/tags-1",
        "ml-2",
        "ml-2/name-1",
        "x-y",
        "x-y/ai_services_opt_out-1",
        "x-y/renamed_from-1",
    ]
    # and the audit right after reports nothing
    report = diff(spec, LIVE)
    assert (report.drift, report.findings) == ([], [])


def test_the_audit_reports_an_ou_the_spec_renames(write_spec):
    text = ADOPTED.replace("name: x/y", "name: x-y")
    report = diff(load_spec(write_spec(text)), organization([("x/y", None), ("ml", 0)], [], [], []))
    assert [(d.kind, d.object, d.name, d.detail) for d in report.drift] == [
        (
            DriftKind.CHANGED,
            "ou",
            "x-y",
            "ou-ab12-00000000 is named 'x/y', the spec names it 'x-y'",
        )
    ]


def test_the_audit_finds_an_ou_by_its_name_one_level_at_a_time(write_spec):
    """`a/b` at the top is not `b` inside `a`: an AWS name may hold `/`."""
    live = organization([("a", None), ("b", 0), ("a/b", None)], [], [], [])
    text = HEADER + "units:\n  a-b: {name: a/b}\n  a:\n    b: {}\n  c: {name: b}\n"
    audit = Comparison(load_spec(write_spec(text)), live)
    check_units(audit)
    assert audit.unit_ids == {"a-b": ou_id(2), "a": ou_id(0), "a/b": ou_id(1)}
    assert [(d.kind, d.name) for d in audit.report.drift] == [(DriftKind.MISSING, "c")]


def test_siblings_of_one_name_in_a_hand_edited_snapshot_still_import(tmp_path):
    """AWS never holds two sibling OUs of one name; a snapshot file may. The second keeps no
    `name:` (the spec would refuse it, DUPLICATE_OU_NAME): its key is a name no sibling has, a
    note says `pulumi up` renames it, and the audit reports that rename."""
    live = organization([("x", None), ("x", None), ("x-2", None)], [], [], [])
    imported = import_snapshot(live)
    assert imported.notes == [
        "OU 'x' is written as 'x-1'",
        "OU ou-ab12-00000001's name is not one AWS gives (1-128 characters, unique under its "
        "parent): `pulumi up` names it 'x-1'",
    ]
    write_imported(imported, live, tmp_path / "o")
    spec = load_spec(tmp_path / "o" / "trainshare.yaml")
    assert [(u.path, u.name, u.id) for u in spec.units.values()] == [
        ("x", "x", ou_id(0)),
        ("x-1", "x-1", ou_id(1)),
        ("x-2", "x-2", ou_id(2)),
    ]
    assert [(d.kind, d.name, d.detail) for d in diff(spec, live).drift] == [
        (DriftKind.CHANGED, "x-1", "ou-ab12-00000001 is named 'x', the spec names it 'x-1'")
    ]


def test_a_spec_against_itself_removes_no_ou_under_a_named_one(write_spec):
    """Paths are keys, names are not: the OU `x-y/ml` was `x-y/ml`, never `x/y/ml`."""
    text = ADOPTED + 'accounts:\n  a: {id: "222222222222", unit: x-y/ml}\n'
    path = write_spec(text)
    spec = load_spec(path)
    assert compare_specs(spec, spec, read_yaml(path)) == []
