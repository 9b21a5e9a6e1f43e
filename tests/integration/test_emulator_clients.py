"""The emulator's clients: one per (service, account, Region), all from one shared session."""

from __future__ import annotations

import threading

import boto3

from .conftest import MANAGEMENT

MEMBERS = ("222222222222", "333333333333", "444444444444")


def test_the_same_arguments_give_the_same_client(emulator):
    ec2 = emulator.client("ec2", MEMBERS[0], "eu-west-1")

    assert emulator.client("ec2", MEMBERS[0], "eu-west-1") is ec2
    assert emulator.client("ec2", MEMBERS[0], "us-east-1") is not ec2
    assert emulator.client("ec2", MEMBERS[1], "eu-west-1") is not ec2
    assert emulator.client("ram", MEMBERS[0], "eu-west-1") is not ec2
    # the management account by default, in us-east-1
    assert emulator.client("sts") is emulator.client("sts", MANAGEMENT, "us-east-1")


def test_member_accounts_make_no_session_and_each_client_acts_as_its_account(emulator, monkeypatch):
    """A boto3 Session per account loads the service models again (about 20 MB each)."""
    emulator.client("sts")  # the shared session exists once the emulator does
    made: list[object] = []
    real = boto3.Session

    def counting(*args, **kwargs):
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(boto3, "Session", counting)

    callers = [emulator.client("sts", m).get_caller_identity()["Account"] for m in MEMBERS]

    assert callers == list(MEMBERS)
    assert made == []


def test_threads_asking_at_once_share_one_client_per_account(emulator):
    barrier = threading.Barrier(8)
    got: list[tuple[str, object]] = []
    lock = threading.Lock()

    def ask(account: str) -> None:
        barrier.wait()
        client = emulator.client("sts", account, "eu-west-1")
        with lock:
            got.append((account, client))

    threads = [threading.Thread(target=ask, args=(MEMBERS[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    by_account = {a: {id(c) for b, c in got if b == a} for a, _ in got}
    assert {a: len(ids) for a, ids in by_account.items()} == {MEMBERS[0]: 1, MEMBERS[1]: 1}
    for account, client in got[:2]:
        assert client.get_caller_identity()["Account"] == account
