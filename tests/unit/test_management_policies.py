"""Management policy types (AI opt-out, tag, EC2 declarative, backup): grammar from the catalog,
findings located to the line, exact codes and messages."""

from __future__ import annotations

import json

import pytest

from trainshare.catalog import load_catalog
from trainshare.policy.management import ai_opt_out_document, lint_management_policy
from trainshare.yamlsource import load_yaml

TYPES = load_catalog().policy_types


def lint(key: str, document: object, max_chars: int | None = None) -> list[tuple[str, str, str]]:
    text = json.dumps(document, indent=2)
    lines = load_yaml(text, "p.json").lines if isinstance(document, dict) else {}
    found = lint_management_policy(document, TYPES[key], "p.json", lines, max_chars)
    return [(f.code, str(f.location), f.message) for f in found]


# The examples of AWS's syntax pages (orgs_manage_policies_<type>_syntax), as published.
AWS_EXAMPLES = {
    "ai-opt-out": {
        "services": {
            "default": {"opt_out_policy": {"@@assign": "optOut"}},
            "comprehend": {
                "opt_out_policy": {
                    "@@operators_allowed_for_child_policies": ["@@none"],
                    "@@assign": "optOut",
                }
            },
            "rekognition": {"opt_out_policy": {"@@assign": "optIn"}},
        }
    },
    "tag": {
        "tags": {
            "costcenter": {
                "tag_key": {"@@assign": "CostCenter"},
                "tag_value": {"@@assign": ["100", "200", "300*"]},
                "enforced_for": {"@@assign": ["secretsmanager:ALL_SUPPORTED", "ec2:instance"]},
            }
        }
    },
    "declarative-ec2": {
        "ec2_attributes": {
            "exception_message": {"@@assign": "Ask the platform team: https://example.com"},
            "allowed_images_settings": {
                "state": {"@@assign": "audit_mode"},
                "image_criteria": {
                    "criteria_1": {"allowed_image_providers": {"@@append": ["amazon"]}},
                    "criteria_2": {
                        "allowed_image_providers": {"@@assign": ["111122223333"]},
                        "creation_date_condition": {"maximum_days_since_created": {"@@assign": 90}},
                    },
                },
            },
            "instance_metadata_defaults": {
                "http_tokens": {"@@assign": "required"},
                "http_put_response_hop_limit": {"@@assign": "2"},
                "http_endpoint": {"@@assign": "enabled"},
                "instance_metadata_tags": {"@@assign": "no_preference"},
            },
            "image_block_public_access": {"state": {"@@assign": "block_new_sharing"}},
            "snapshot_block_public_access": {"state": {"@@assign": "block_all_sharing"}},
            "serial_console_access": {"status": {"@@assign": "disabled"}},
            "vpc_block_public_access": {
                "internet_gateway_block": {
                    "mode": {"@@assign": "block_ingress"},
                    "exclusions_allowed": {"@@assign": "enabled"},
                }
            },
        }
    },
    "backup": {
        "plans": {
            "PII_Backup_Plan": {
                "regions": {"@@assign": ["ap-northeast-2", "us-east-1"]},
                "rules": {
                    "Hourly": {
                        "schedule_expression": {"@@assign": "cron(0 5/1 ? * * *)"},
                        "start_backup_window_minutes": {"@@assign": "60"},
                        "complete_backup_window_minutes": {"@@assign": "604800"},
                        "enable_continuous_backup": {"@@assign": False},
                        "target_backup_vault_name": {"@@assign": "FortKnox"},
                        "lifecycle": {
                            "move_to_cold_storage_after_days": {"@@assign": "180"},
                            "delete_after_days": {"@@assign": "270"},
                        },
                        "copy_actions": {
                            "arn:aws:backup:us-east-1:$account:backup-vault:secondary_vault": {
                                "target_backup_vault_arn": {
                                    "@@assign": "arn:aws:backup:us-east-1:$account:backup-vault:secondary_vault"
                                },
                                "lifecycle": {"delete_after_days": {"@@assign": "100"}},
                            }
                        },
                    }
                },
                "selections": {
                    "tags": {
                        "datatype": {
                            "iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/MyIamRole"},
                            "tag_key": {"@@assign": "dataType"},
                            "tag_value": {"@@assign": ["PII", "RED"]},
                        }
                    }
                },
                "advanced_backup_settings": {"ec2": {"windows_vss": {"@@assign": "enabled"}}},
            }
        }
    },
}


@pytest.mark.parametrize("key", list(AWS_EXAMPLES))
def test_aws_published_examples_lint_clean(key):
    assert lint(key, AWS_EXAMPLES[key], max_chars=10_000) == []


@pytest.mark.parametrize(
    ("key", "document", "expected"),
    [
        (
            "ai-opt-out",
            {"services": {"default": {"opt_out_policy": {"@@assign": "optout"}}}},
            (
                "MGMT_POLICY_VALUE",
                "p.json:5: services.default.opt_out_policy.@@assign",
                "'optout' must be written 'optOut' (values are case-sensitive)",
            ),
        ),
        (
            "ai-opt-out",
            {"services": {"lex": {"opt_out_policy": {"@@append": ["optOut"]}}}},
            (
                "MGMT_POLICY_OPERATOR",
                "p.json:5: services.lex.opt_out_policy.@@append",
                "@@append is not allowed here (it holds one value: @@assign)",
            ),
        ),
        (
            "ai-opt-out",
            {"services": {"Rekognition": {"opt_out_policy": {"@@assign": "optOut"}}}},
            (
                "MGMT_POLICY_UNKNOWN_KEY",
                "p.json:3: services.Rekognition",
                "'Rekognition' is not a valid AI service",
            ),
        ),
        (
            "ai-opt-out",
            {"service": {}},
            (
                "MGMT_POLICY_UNKNOWN_KEY",
                "p.json:2: service",
                "'service' is not a key of a AI services opt-out policy here (known: services; "
                "grammar checked 2026-11-29)",
            ),
        ),
        (
            "declarative-ec2",
            {"ec2_attributes": {"instance_metadata_defaults": {"http_tokens": "required"}}},
            (
                "MGMT_POLICY_STRUCTURE",
                "p.json:4: ec2_attributes.instance_metadata_defaults.http_tokens",
                'takes an operator object such as {"@@assign": …}, got a string',
            ),
        ),
        (
            "declarative-ec2",
            {
                "ec2_attributes": {
                    "instance_metadata_defaults": {"http_put_response_hop_limit": {"@@assign": 65}}
                }
            },
            (
                "MGMT_POLICY_VALUE",
                "p.json:5: ec2_attributes.instance_metadata_defaults.http_put_response_hop_limit.@@assign",
                "65 is outside -1 to 64",
            ),
        ),
        (
            "declarative-ec2",
            {
                "ec2_attributes": {
                    "allowed_images_settings": {
                        "image_criteria": {
                            "criteria_11": {"allowed_image_providers": {"@@assign": ["amazon"]}}
                        }
                    }
                }
            },
            (
                "MGMT_POLICY_UNKNOWN_KEY",
                "p.json:5: ec2_attributes.allowed_images_settings.image_criteria.criteria_11",
                "'criteria_11' is not a valid image criterion",
            ),
        ),
        (
            "declarative-ec2",
            {
                "ec2_attributes": {
                    "allowed_images_settings": {
                        "image_criteria": {
                            "criteria_1": {"allowed_image_providers": {"@@assign": ["amzn"]}}
                        }
                    }
                }
            },
            (
                "MGMT_POLICY_VALUE",
                "p.json:8: ec2_attributes.allowed_images_settings.image_criteria.criteria_1."
                "allowed_image_providers.@@assign[0]",
                "'amzn' is not in the form AWS accepts here",
            ),
        ),
        (
            "tag",
            {"tags": {"team": {"tag_key": {"@@assign": "Owner"}}}},
            (
                "TAG_POLICY_KEY_MISMATCH",
                "p.json:5: tags.team.tag_key.@@assign",
                "tag_key 'Owner' differs from its policy key 'team'; they must be the same tag, "
                "ignoring case",
            ),
        ),
        (
            "tag",
            {"tags": {"owner": {"tag_value": {"@@assign": ["*@*.com"]}}}},
            (
                "TAG_POLICY_WILDCARD",
                "p.json:6: tags.owner.tag_value.@@assign[0]",
                "'*@*.com' has 2 wildcards; a tag value may hold one",
            ),
        ),
        (
            "tag",
            {"tags": {"owner": {"enforced_for": {"@@assign": ["*:ALL_SUPPORTED"]}}}},
            (
                "MGMT_POLICY_VALUE",
                "p.json:6: tags.owner.enforced_for.@@assign[0]",
                "'*:ALL_SUPPORTED' is not in the form AWS accepts here",
            ),
        ),
        (
            "tag",
            {"tags": {"owner": {"@@operators_allowed_for_child_policies": ["@@none", "@@assign"]}}},
            (
                "MGMT_POLICY_OPERATOR",
                "p.json:4: tags.owner.@@operators_allowed_for_child_policies",
                "@@none and @@all stand alone; list either one of them or the operators allowed",
            ),
        ),
        (
            "backup",
            {
                "plans": {
                    "p": {"rules": {"r": {"target_backup_vault_name": {"@@assign": "v-$account"}}}}
                }
            },
            (
                "MGMT_POLICY_VALUE",
                "p.json:7: plans.p.rules.r.target_backup_vault_name.@@assign",
                "$account is replaced only in ARN elements of a backup policy; here it stays as typed",
            ),
        ),
    ],
)
def test_bad_management_policy_is_one_located_finding(key, document, expected):
    assert lint(key, document) == [expected]


def test_ai_service_not_on_the_dated_list_is_a_warning_not_an_error():
    found = lint_management_policy(
        {"services": {"newservice": {"opt_out_policy": {"@@assign": "optOut"}}}},
        TYPES["ai-opt-out"],
        "p.json",
    )
    assert [(f.code, str(f.severity), f.message) for f in found] == [
        (
            "MGMT_POLICY_KEY_NOT_LISTED",
            "warning",
            "'newservice' is not among the AI services AWS listed as of 2026-11-29",
        )
    ]


def test_backup_rule_fields_aws_may_have_added_are_warnings():
    document = {"plans": {"p": {"rules": {"r": {"index_actions": {"@@assign": "x"}}}}}}
    found = lint_management_policy(document, TYPES["backup"], "p.json")
    assert [(f.code, str(f.severity)) for f in found] == [("MGMT_POLICY_KEY_NOT_LISTED", "warning")]


def test_not_an_object_is_a_structure_error():
    assert lint("tag", ["tags"]) == [
        ("MGMT_POLICY_STRUCTURE", "p.json", "a tag policy is a JSON object starting with 'tags'")
    ]


def test_size_is_counted_minified_against_the_types_limit():
    document = {"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}}
    size = len(json.dumps(document, separators=(",", ":")))
    assert lint("ai-opt-out", document, max_chars=2 * size) == []
    assert [code for code, _, _ in lint("ai-opt-out", document, max_chars=size)] == [
        "POLICY_NEAR_SIZE_LIMIT"
    ]
    assert lint("ai-opt-out", document, max_chars=size - 1) == [
        (
            "POLICY_TOO_LARGE",
            "p.json",
            f"the minified AI services opt-out policy is {size:,} characters; the limit is "
            f"{size - 1:,}",
        )
    ]


def test_one_line_opt_out_is_the_aws_example_and_lints_clean():
    document = ai_opt_out_document("all")
    assert document["services"]["default"]["opt_out_policy"]["@@assign"] == "optOut"
    assert document["services"]["@@operators_allowed_for_child_policies"] == ["@@none"]
    assert lint("ai-opt-out", document) == []
    assert lint("ai-opt-out", ai_opt_out_document(["rekognition", "lex"])) == []
