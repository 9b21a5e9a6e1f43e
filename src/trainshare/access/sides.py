"""The sides of a matrix decision, each decided once for everyone who shares it.

A decision is put together from sides, as `evaluate.decide_in` does: the share's (does its
permission grant the action), the SCPs' on the caller's path, the RCPs' on the owner's path and,
for a policy share, the resource policy's. `MatrixSides` keeps each side per what it depends on,
so that a cell whose sides all match a decided cell's takes its effect without being decided:

- the share's side per share, type and action (`ShareSide`);
- the SCPs' side per action group, resource class, owner (only where a condition reads
  aws:ResourceAccount), Region and the action's other resources, across shares (`ScpKey`);
- the RCPs' side per share, resource and action, decided with the caller's own keys unknown;
  where that answer depends on them, callers are decided one by one (`reads_the_caller`);
- the resource policy's side per shape of the policy, type, action and `variant` (`PolicyKey`);
- a whole effect per group, variant, share, type, action, resource class and shape (`EffectKey`).

Who may share whose answer is `access.grouping`; the rows of the matrix are `access.matrix`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from trainshare.access.cells import Entries, Known
from trainshare.access.conditions import Context
from trainshare.access.evaluate import Decision, Evaluator, both_sides, decide_in, granting
from trainshare.access.grouping import Grouping, policy_shape
from trainshare.access.model import AccountNode, ShareModel
from trainshare.access.rcp import covers, rcp_side, reads_the_caller
from trainshare.access.request import Question
from trainshare.access.resource_policy import resource_policy_effect
from trainshare.access.statements import Effect
from trainshare.catalog import load_catalog

_NONE: frozenset[str] = frozenset()


class ShareSide(NamedTuple):
    """Whether a share's permission grants an action, and whether only maybe (the permission's
    actions are not in the catalog)."""

    granted: bool
    maybe: bool


# The memo keys below are plain tuples, built once per cell or side decided and only hashed,
# never read back: a NamedTuple's constructor on each cost 5% of the matrix (cachegrind, M).

# All an SCP side can see of a request, for accounts of one action group: (action group,
# resource class, the owner only where a statement reads aws:ResourceAccount else None, the
# share's Region (an ARN without one, a bucket's, is requested in its share's), what else the
# action is authorized against (catalog templates))
ScpKey = tuple[int, int, str | None, str, tuple[str, ...]]

# All a resource policy's side can see of a request: (the policy's shape (`MatrixSides.shape`),
# type, action, what the policy can tell of the account (`MatrixSides.variant`))
PolicyKey = tuple[int, str, str, int | None]

# All the sides of a cell decided for a group of accounts can see, together: (action group,
# variant, share, type, action, resource class, policy shape or None for a RAM share)
EffectKey = tuple[int, int | None, str, str, str, int, int | None]


class ActionGroups(NamedTuple):
    """An account's `Grouping.action_group` for each action of a share, and those in order."""

    by_action: dict[str, int]
    in_order: tuple[int, ...]


class MatrixSides:
    """One matrix computation: the evaluator, the context, and each side of a decision as
    decided once for everyone who shares it (see the module)."""

    def __init__(self, evaluator: Evaluator, context: Context) -> None:
        self.evaluator = evaluator
        self.grouping = Grouping(evaluator)
        self.context = context
        self.extra_resources = load_catalog().action_resources
        self.share_sides: dict[tuple[str, str, str], ShareSide] = {}  # (share, type, action)
        self.scp_sides: dict[ScpKey, Known] = {}
        self.policy_sides: dict[PolicyKey, Known] = {}
        self.effects: dict[EffectKey, Known] = {}
        # None: the action's service is not one RCPs cover, or the model has no RCP
        self.rcp_sides: dict[tuple[str, Question], Known | None] = {}
        self.rcp_reads: set[tuple[str, str]] = set()  # (share, action): it reads the caller
        self.rcp_callers: dict[str, frozenset[str]] = {}  # share → those actions
        self.shapes: dict[str, int] = {}  # resource → its policy's shape (per ARN where none)
        self._shape_numbers: dict[Any, int] = {}
        self._action_groups: dict[tuple[int, tuple[str, ...]], ActionGroups] = {}
        self.variants: dict[tuple[Any, ...], int] = {}
        self.entries_made = 0  # Entries made so far: the next one's number

    def variant(self, outcomes: tuple[Any, ...], named: Any) -> int:
        """What a share's resource policies can tell of an account besides its group — how
        their aws:PrincipalOrgPaths conditions judge its OU, and where they name it — as a
        small integer (it is part of every key of the account's row)."""
        return self.variants.setdefault((outcomes, named), len(self.variants))

    def action_groups(
        self, account: AccountNode, group: int, actions: tuple[str, ...]
    ) -> ActionGroups:
        """Each action's `action_group` for the account, and those groups in order: a function
        of the account's `group` and the actions, so kept per both, across shares."""
        key = (group, actions)
        found = self._action_groups.get(key)
        if found is None:
            groups = {action: self.grouping.action_group(account, action) for action in actions}
            found = self._action_groups[key] = ActionGroups(groups, tuple(groups.values()))
        return found

    def _share_side(self, share: ShareModel, rtype: str, action: str) -> ShareSide:
        """Whether the share's permission grants the action, and whether only maybe: the same
        for every account of a row, since rows are made for the accounts the share reaches
        (`AccessModel.reached`: never its owner)."""
        key = (share.key, rtype, action)
        found = self.share_sides.get(key)
        if found is None:
            grant = share.grants[rtype]
            found = (
                ShareSide(bool(granting(grant, action)), False)
                if grant.known
                else ShareSide(True, True)
            )
            self.share_sides[key] = found
        return found

    def _grouped(
        self,
        share: ShareModel,
        account: AccountNode,
        question: Question,
        *,
        action_group: int,
        resource_class: int,
        variant: int | None,
    ) -> Known:
        """An effect that holds for everyone of its group, put together from its sides as
        `decide_in` does, each side decided once (see the module). The trace on demand."""
        arn, rtype, action = question
        granted, maybe = self._share_side(share, rtype, action)
        if not granted:
            return Known(Effect.IMPLICIT_DENY, _NONE)
        reads_owner = self.grouping.facts(action_group).reads_owner
        # Not the action: its group holds the statements relevant to it, and what else it is
        # authorized against (`request_resources`) is all it adds to the request
        scp_key: ScpKey = (
            action_group,
            resource_class,
            share.owner_id if reads_owner else None,
            share.region,
            self.extra_resources.get(action, ()),
        )
        caller = self.scp_sides.get(scp_key)
        if caller is None:
            caller = self.scp_sides[scp_key] = Known(
                *self.grouping.group_scps(
                    share,
                    account,
                    resource=arn,
                    action=action,
                    action_group=action_group,
                    context=self.context,
                )
            )
        effect, keys = caller
        if maybe and effect is Effect.ALLOW:
            effect = Effect.CONDITIONAL
        rcp = self._rcp_side(share, account, question)
        if rcp is not None:
            effect, keys = both_sides(effect, rcp.effect), keys | rcp.unknown_keys
        if share.policies:
            resource = self._policy_side(share, account, question, variant=variant)
            effect, keys = both_sides(effect, resource.effect), keys | resource.unknown_keys
        return Known(effect, keys)

    def _policy_side(
        self, share: ShareModel, account: AccountNode, question: Question, *, variant: int | None
    ) -> Known:
        arn, rtype, action = question
        key: PolicyKey = (self.shape(share, arn), rtype, action, variant)
        found = self.policy_sides.get(key)
        if found is None:
            effect, _, keys = resource_policy_effect(
                self.evaluator.model,
                account,
                share.policies[arn],
                arn=arn,
                rtype=rtype,
                action=action,
                context=self.context,
            )
            found = self.policy_sides[key] = Known(effect, keys)
        return found

    def _rcp_side(
        self, share: ShareModel, account: AccountNode, question: Question
    ) -> Known | None:
        """The RCPs on the owner's path (`access.rcp`), decided once per share, resource and
        action with the caller's own keys left unknown (`blind`): where that answer does not
        depend on them it holds for every caller of a group; where it does, `row` decides
        callers one by one."""
        if not self.evaluator.model.rcps or not covers(question.action):
            return None
        key = (share.key, question)
        if key not in self.rcp_sides:
            model = self.evaluator.model
            found = rcp_side(model, share, account, question, context=self.context, blind=True)
            self.rcp_sides[key] = None if found is None else Known(found.effect, found.unknown)
            if found is not None and reads_the_caller(found):
                self.rcp_reads.add((share.key, question.action))
        return self.rcp_sides[key]

    def reads_the_caller(
        self, share: ShareModel, account: AccountNode, questions: list[Question]
    ) -> frozenset[str]:
        """The actions of the share whose RCP side depends on who calls (once per share)."""
        if not self.evaluator.model.rcps:
            return _NONE
        found = self.rcp_callers.get(share.key)
        if found is None:
            for question in questions:
                self._rcp_side(share, account, question)
            found = self.rcp_callers[share.key] = frozenset(
                q.action for q in questions if (share.key, q.action) in self.rcp_reads
            )
        return found

    def shape(self, share: ShareModel, arn: str) -> int:
        """The number of the shape of the resource's policy (`grouping.policy_shape`): resources
        whose policies have one shape get the same effect; a policy with no shape is its own."""
        shape = self.shapes.get(arn)
        if shape is None:
            found = policy_shape(share.policies[arn], arn) or arn
            numbers = self._shape_numbers
            shape = self.shapes[arn] = numbers.setdefault(found, len(numbers))
        return shape

    def decide(self, share: ShareModel, account: AccountNode, question: Question) -> Decision:
        """The account's own decision, trace and all (`evaluate.decide_in`)."""
        return decide_in(self.evaluator, share, account, question, context=self.context)

    def row(
        self,
        share: ShareModel,
        account: AccountNode,
        questions: list[Question],
        groups: Mapping[str, int | None],
        variant: int | None = None,
    ) -> tuple[Entries, bool]:
        """The account's entries for each question of the share, and whether they hold for its
        group-mates too. `groups`: the account's `action_group` per action (None: decide each
        cell for the account alone); `variant`: what a share's resource policies can tell of
        the account besides (`variant`). An entry whose sides all match a decided one's is
        that one."""
        grouping = self.grouping
        patterns: dict[str, int | None] = {}  # action → its pattern set, None: not grouped
        by_caller = self.reads_the_caller(share, account, questions)
        for action, group in groups.items():
            patterns[action] = None
            if group is not None and action not in by_caller:
                facts = grouping.facts(group)
                if facts.independent:
                    patterns[action] = facts.pattern_set
        shared = None not in patterns.values()
        effects, shapes = self.effects, self.shapes if share.policies else None
        entries = Entries()
        entries.number = self.entries_made
        self.entries_made += 1
        for question in questions:
            arn, rtype, action = question
            pattern_set = patterns[action]
            group = groups[action]
            if pattern_set is None or group is None:  # its path can tell it from its mates
                entries.append(self.decide(share, account, question))
                continue
            resource_class = grouping.resource_class(pattern_set, arn)
            shape = None if shapes is None else shapes.get(arn)
            if shape is None and shapes is not None:
                shape = self.shape(share, arn)
            key: EffectKey = (group, variant, share.key, rtype, action, resource_class, shape)
            known = effects.get(key)
            if known is None:
                known = effects[key] = self._grouped(
                    share,
                    account,
                    question,
                    action_group=group,
                    resource_class=resource_class,
                    variant=variant,
                )
            entries.append(known)
        return entries, shared
