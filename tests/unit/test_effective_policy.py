"""Effective management policies, checked against AWS's own worked examples: the six "Policy
inheritance examples" of orgs_manage_policies_inheritance_mgmt (tag policies, organization root →
OU1 {111111111111, 222222222222} and OU2 {999999999999}) and the AI services opt-out syntax page's
examples 1 and 2. Where AWS's published answer has a typo the test says so and asserts what the
rules it states give."""

from __future__ import annotations

from typing import Any

from trainshare.policy.effective import (
    Attached,
    EffectiveMerger,
    Level,
    effective_policy,
    operators_allowed,
)

LOCK = "@@operators_allowed_for_child_policies"


def level(target: str, *policies: tuple[str, Any]) -> Level:
    return Level(target, tuple(Attached(name, doc) for name, doc in policies))


def cost_center(**settings: Any) -> dict[str, Any]:
    return {"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"}, **settings}}}


POLICY_A = cost_center(tag_value={"@@assign": ["Development", "Support"]})
POLICY_B = cost_center(
    tag_value={"@@assign": ["Sandbox"]},
    enforced_for={"@@assign": ["redshift:*", "dynamodb:table"]},
)
POLICY_C = cost_center(
    tag_value={"@@append": ["Marketing"]},
    enforced_for={"@@append": ["redshift:*", "dynamodb:table"]},
)
# AWS's page nests enforced_for inside tag_value in policy D (a typo: the prose and the answer
# treat it as the tag's own enforced_for); written here as the prose describes it.
POLICY_D = cost_center(
    tag_value={"@@remove": ["Development", "Marketing"]},
    enforced_for={"@@remove": ["redshift:*", "dynamodb:table"]},
)


def test_example_1_assign_overwrites_the_inherited_values() -> None:
    got = effective_policy([level("root", ("A", POLICY_A)), level("OU1", ("B", POLICY_B))])
    assert got.document == {
        "tags": {
            "costcenter": {
                "tag_key": "CostCenter",
                "tag_value": ["Sandbox"],
                "enforced_for": ["redshift:*", "dynamodb:table"],
            }
        }
    }
    assert got.ignored == ()


def test_example_2_append_adds_to_the_inherited_values() -> None:
    got = effective_policy([level("root", ("A", POLICY_A)), level("OU2", ("C", POLICY_C))])
    assert got.document == {
        "tags": {
            "costcenter": {
                "tag_key": "CostCenter",
                "tag_value": ["Development", "Support", "Marketing"],
                "enforced_for": ["redshift:*", "dynamodb:table"],
            }
        }
    }


def test_example_3_remove_takes_values_out_and_an_emptied_list_leaves() -> None:
    got = effective_policy(
        [
            level("root", ("A", POLICY_A)),
            level("OU2", ("C", POLICY_C)),
            level("999999999999", ("D", POLICY_D)),
        ]
    )
    # "the only acceptable value … is Support"; "Compliance is not enforced"
    assert got.document == {
        "tags": {"costcenter": {"tag_key": "CostCenter", "tag_value": ["Support"]}}
    }


POLICY_E = {
    "tags": {
        "project": {
            "tag_key": {LOCK: ["@@none"], "@@assign": "Project"},
            "tag_value": {LOCK: ["@@append"], "@@assign": ["Maintenance", "Escalations"]},
        }
    }
}
POLICY_F = {
    "tags": {
        "project": {
            "tag_key": {"@@assign": "PROJECT"},
            "tag_value": {"@@append": ["Escalations - research"]},
        }
    }
}


def test_example_4_child_control_locks_the_key_and_lets_values_be_appended() -> None:
    got = effective_policy([level("root", ("E", POLICY_E)), level("OU1", ("F", POLICY_F))])
    # AWS's page prints "project" for tag_key: policy E assigns "Project" and locks it, and the
    # prose says F "attempts to change the case treatment, but it can't" — so "Project".
    assert got.document == {
        "tags": {
            "project": {
                "tag_key": "Project",
                "tag_value": ["Maintenance", "Escalations", "Escalations - research"],
            }
        }
    }
    assert [(i.policy, i.target, i.where, i.operator, i.kind, i.reason) for i in got.ignored] == [
        (
            "F",
            "OU1",
            "tags.project.tag_key",
            "@@assign",
            "locked",
            "'E' on root allows no operators (@@none) below it",
        )
    ]


POLICY_G = {"tags": {"project": {"tag_value": {LOCK: ["@@append"], "@@assign": ["Maintenance"]}}}}
POLICY_H = {"tags": {"project": {"tag_value": {LOCK: ["@@append", "@@remove"]}}}}


def test_example_5_limits_on_one_target_intersect() -> None:
    child = {"tags": {"project": {"tag_value": {"@@append": ["Ops"], "@@remove": ["Maintenance"]}}}}
    got = effective_policy(
        [level("root", ("G", POLICY_G), ("H", POLICY_H)), level("OU2", ("child", child))]
    )
    # "child policies can append values, but not remove values"
    assert got.document == {"tags": {"project": {"tag_value": ["Maintenance", "Ops"]}}}
    assert [(i.operator, i.reason) for i in got.ignored] == [
        ("@@remove", "'G' on root, 'H' on root allow only @@append below it")
    ]


def test_limits_bind_only_the_levels_below() -> None:
    """Example 5's G and H share a level: G's lock does not stop H, or a third root policy."""
    third = {"tags": {"project": {"tag_value": {"@@remove": ["Maintenance"]}}}}
    got = effective_policy([level("root", ("G", POLICY_G), ("third", third))])
    assert got.document == {}
    assert got.ignored == ()


def test_example_6_the_first_attached_assign_wins_on_one_target() -> None:
    policy_j = {
        "tags": {
            "project": {
                "tag_key": {"@@assign": "PROJECT"},
                "tag_value": {"@@append": ["Maintenance"]},
            }
        }
    }
    policy_k = {"tags": {"project": {"tag_key": {"@@assign": "project"}}}}
    got = effective_policy([level("root", ("J", policy_j), ("K", policy_k))])
    # AWS's page prints " PROJECT" (a stray space); the rule it states gives "PROJECT".
    assert got.document == {
        "tags": {"project": {"tag_key": "PROJECT", "tag_value": ["Maintenance"]}}
    }
    assert [(i.policy, i.kind, i.reason) for i in got.ignored] == [
        ("K", "conflict", "'J', attached to root first, assigned it")
    ]


AI_EXAMPLE_1 = {
    "services": {
        LOCK: ["@@none"],
        "default": {LOCK: ["@@none"], "opt_out_policy": {LOCK: ["@@none"], "@@assign": "optOut"}},
    }
}
AI_EXAMPLE_2_PARENT = {
    "services": {
        "default": {LOCK: ["@@none"], "opt_out_policy": {LOCK: ["@@none"], "@@assign": "optOut"}}
    }
}
LEX_OPT_IN = {"services": {"lex": {"opt_out_policy": {"@@assign": "optIn"}}}}


def test_ai_opt_out_example_2_a_child_adds_a_service_beside_the_locked_default() -> None:
    got = effective_policy(
        [level("root", ("parent", AI_EXAMPLE_2_PARENT)), level("team", ("child", LEX_OPT_IN))]
    )
    # "the account opts in to only Amazon Lex, and opts out of all other AWS AI services"
    assert got.document == {
        "services": {"default": {"opt_out_policy": "optOut"}, "lex": {"opt_out_policy": "optIn"}}
    }
    assert got.ignored == ()


def test_ai_opt_out_example_1_none_under_services_stops_new_services() -> None:
    default_in = {"services": {"default": {"opt_out_policy": {"@@assign": "optIn"}}}}
    got = effective_policy(
        [
            level("root", ("all-out", AI_EXAMPLE_1)),
            level("team", ("lex", LEX_OPT_IN), ("default-in", default_in)),
        ]
    )
    assert got.document == {"services": {"default": {"opt_out_policy": "optOut"}}}
    assert [(i.policy, i.where, i.reason) for i in got.ignored] == [
        (
            "lex",
            "services.lex.opt_out_policy",
            "no new keys under services: 'all-out' on root allows no operators (@@none) below it",
        ),
        (
            "default-in",
            "services.default.opt_out_policy",
            "'all-out' on root allows no operators (@@none) below it",
        ),
    ]


def test_an_inherited_limit_is_not_widened_lower_down() -> None:
    """ "If an inherited child control operator limits the use of an operator, you can't reverse
    that rule in a child policy." """
    widen = {"tags": {"project": {"tag_value": {LOCK: ["@@all"], "@@append": ["Research"]}}}}
    remove = {"tags": {"project": {"tag_value": {"@@remove": ["Maintenance"]}}}}
    got = effective_policy(
        [
            level("root", ("G", POLICY_G)),
            level("ml", ("widen", widen)),
            level("acct", ("remove", remove)),
        ]
    )
    assert got.document == {"tags": {"project": {"tag_value": ["Maintenance", "Research"]}}}
    assert [(i.policy, i.target, i.reason) for i in got.ignored] == [
        ("remove", "acct", "'G' on root allows only @@append below it")
    ]


def test_operators_allowed_reads_all_none_and_lists() -> None:
    assert operators_allowed(["@@all"]) == {"@@assign", "@@append", "@@remove"}
    assert operators_allowed(["@@none"]) == frozenset()
    assert operators_allowed(["@@append", "@@bogus"]) == {"@@append"}
    assert operators_allowed("@@all") == frozenset()  # not a list: AWS rejects it; lint says so


def test_hostile_shapes_merge_without_crashing() -> None:
    got = effective_policy(
        [
            level("root", ("odd", {"tags": ["not", "an", "object"]}), ("num", 7)),
            level("ou", ("x", {"tags": {"k": {"tag_value": {"@@append": "not a list"}}}})),
        ]
    )
    assert got.document == {"tags": {"k": {"tag_value": []}}}


def test_a_merger_reuses_shared_prefixes() -> None:
    merger = EffectiveMerger()
    root = level("root", ("A", POLICY_A))
    ou = level("OU2", ("C", POLICY_C))
    first = merger.merge([root, ou, level("111111111111")])
    second = merger.merge([root, ou, level("999999999999", ("D", POLICY_D))])
    assert first.document["tags"]["costcenter"]["tag_value"] == [
        "Development",
        "Support",
        "Marketing",
    ]
    assert second.document["tags"]["costcenter"]["tag_value"] == ["Support"]
    assert first.document["tags"]["costcenter"]["tag_value"] == [
        "Development",
        "Support",
        "Marketing",
    ]  # the shared prefix was not changed by the second account's own policy
