"""Resource control policies in access decisions: a layer on requests to resources of member
accounts, the trace naming the RCP and its statement; the matrix agrees with one-by-one."""

from __future__ import annotations

from typer.testing import CliRunner

from trainshare.access import Effect, model_from_spec
from trainshare.access.conditions import Context
from trainshare.access.evaluate import Request, evaluate
from trainshare.access.matrix import access_matrix, naive_matrix
from trainshare.cli import app
from trainshare.spec import load_spec

HEADER = """\
version: 1
organization: {management_account: "111111111111"}
units:
  ml:
    training: {}
    research: {}
accounts:
  data: {id: "222222222222", email: d@example.com}
  boss: {id: "111111111111"}
  vision: {id: "333333333333", unit: ml/training}
  lab: {id: "444444444444", unit: ml/research}
  partner: {id: "555555555555", unit: ml}
"""
BUCKET = "arn:aws:s3:::acme-data"
SHARES = f"""\
shares:
  readers:
    owner: data
    access: read
    resources: [{{arn: "{BUCKET}", policy: managed}}]
    principals: [ml/training]
  capacity:
    owner: data
    resources: ["arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"]
    principals: [ml/training]
"""
TLS_AT_ROOT = "guardrails:\n  tls: {template: rcp-secure-transport, targets: [root]}\n"


def model(write_spec, guardrails=TLS_AT_ROOT, header=HEADER, shares=SHARES):
    spec = load_spec(write_spec(header + shares + guardrails))
    return model_from_spec(spec, org_id="o-a1b2c3d4e5")


def test_an_rcp_at_the_root_denies_insecure_transport_naming_itself(write_spec):
    """The issue's done-when: denied with aws:SecureTransport=false, the RCP named; allowed
    over TLS from inside the organization."""
    m = model(write_spec)
    insecure = Context.of({"aws:SecureTransport": "false"})
    denied = evaluate(m, Request("vision", BUCKET, "s3:GetObject", insecure))
    assert denied.effect is Effect.DENY
    rcp_steps = [s for s in denied.trace if s.stage.startswith("rcp")]
    assert [s.text for s in rcp_steps] == [
        "RCP tls at the root: Statement[0] (Sid EnforceSecureTransport) denies s3:GetObject on "
        f"{BUCKET}/*"
    ]
    over_tls = evaluate(m, Request("vision", BUCKET, "s3:GetObject"))
    assert over_tls.effect is Effect.ALLOW
    assert [s.text for s in over_tls.trace if s.stage.startswith("rcp")] == [
        "no RCP on the path of data (222222222222) (the root: tls) denies s3:GetObject"
    ]


def test_the_explanation_shows_the_scp_rcp_and_resource_policy_sides(write_spec):
    m = model(write_spec)
    decision = evaluate(m, Request("vision", BUCKET, "s3:GetObject"))
    stages = [s.stage.split(":")[0] for s in decision.trace]
    assert stages.index("scp") < stages.index("rcp") < stages.index("resource-policy")


def test_rcps_are_the_owners_not_the_callers(write_spec):
    # an RCP on the training OU, where the caller is: not on the owner's path
    m = model(write_spec, "guardrails:\n  tls: {template: rcp-secure-transport, targets: [ml]}\n")
    insecure = Context.of({"aws:SecureTransport": "false"})
    assert evaluate(m, Request("vision", BUCKET, "s3:GetObject", insecure)).effect is Effect.ALLOW
    # on the owner's account: it applies
    m = model(write_spec, "guardrails:\n  tls: {template: rcp-secure-transport, targets: [data]}\n")
    assert evaluate(m, Request("vision", BUCKET, "s3:GetObject", insecure)).effect is Effect.DENY


def test_rcps_do_not_reach_the_management_accounts_resources(write_spec):
    header = HEADER.replace('  data: {id: "222222222222", email: d@example.com}\n', "")
    shares = SHARES.replace("owner: data", "owner: boss").replace("222222222222", "111111111111")
    m = model(write_spec, header=header, shares=shares)
    insecure = Context.of({"aws:SecureTransport": "false"})
    decision = evaluate(m, Request("vision", BUCKET, "s3:GetObject", insecure))
    assert decision.effect is Effect.ALLOW
    assert [s.text for s in decision.trace if s.stage == "rcp"] == [
        "boss (111111111111) is the management account: RCPs do not apply to its resources"
    ]


def test_services_rcps_do_not_cover_have_no_rcp_side(write_spec):
    m = model(write_spec)
    arn = "arn:aws:ec2:us-east-1:222222222222:capacity-reservation/cr-0123456789abcdef0"
    insecure = Context.of({"aws:SecureTransport": "false"})
    decision = evaluate(m, Request("vision", arn, "ec2:RunInstances", insecure))
    assert not [s for s in decision.trace if s.stage.startswith("rcp")]


def test_org_identities_fence_outsiders_and_depend_on_the_exclusion_tag(write_spec):
    fence = "guardrails:\n  fence: {template: rcp-enforce-org-identities, targets: [root]}\n"
    shares = SHARES.replace(
        "policy: managed}]\n    principals: [ml/training]",
        'policy: managed, perimeter: false}]\n    principals: [ml/training, "999999999999"]\n'
        "    allow_external: true",
    )
    m = model(write_spec, fence, shares=shares)
    inside = evaluate(m, Request("vision", BUCKET, "s3:GetObject"))
    assert inside.effect is Effect.ALLOW
    outside = evaluate(m, Request("999999999999", BUCKET, "s3:GetObject"))
    assert outside.effect is Effect.CONDITIONAL
    assert "aws:ResourceTag/dp:exclude:identity" in outside.unknown_keys
    tagged = Context.of({"aws:ResourceTag/dp:exclude:identity": "false"})
    assert evaluate(m, Request("999999999999", BUCKET, "s3:GetObject", tagged)).effect is (
        Effect.DENY
    )


def test_the_matrix_agrees_with_one_by_one_decisions(write_spec):
    for guardrails in (
        TLS_AT_ROOT,
        "guardrails:\n  fence: {template: rcp-enforce-org-identities, targets: [ml, data], "
        "params: {trusted_accounts: ['444444444444']}}\n",
    ):
        m = model(write_spec, guardrails)
        for context in (Context(), Context.of({"aws:SecureTransport": "false"})):
            fast = {
                (c.account.key, c.share, c.resource, c.action): c.effect
                for c in access_matrix(m, context)
            }
            slow = {
                (c.account.key, c.share, c.resource, c.action): c.effect
                for c in naive_matrix(m, context)
            }
            assert fast == slow


def test_access_cli_explains_the_rcp(write_spec):
    path = write_spec(HEADER + SHARES + TLS_AT_ROOT)
    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
    result = runner.invoke(
        app,
        [
            "access",
            str(path),
            "--explain",
            "vision",
            "readers",
            "s3:GetObject",
            "--context",
            "aws:SecureTransport=false",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "RCP tls at the root: Statement[0] (Sid EnforceSecureTransport) denies" in result.stdout
    assert ": DENY" in result.stdout.splitlines()[0]
