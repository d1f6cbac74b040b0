"""Account hierarchy: ancestors and descendants in one recursive SQL query, with a depth limit
(a corrupt parent loop or a huge group cannot run away)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from .models import Account

MAX_DEPTH = 4  # levels above and below the account
MAX_NODES = 200  # descendants shown

_SQL = """
WITH RECURSIVE up(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM accounts_account WHERE id = %(pk)s
  UNION ALL
    SELECT a.id, a.parent_id, up.depth + 1 FROM accounts_account a
    JOIN up ON a.id = up.parent_id WHERE up.depth < %(depth)s
), down(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM accounts_account WHERE id = %(pk)s
  UNION ALL
    SELECT a.id, a.parent_id, down.depth + 1 FROM accounts_account a
    JOIN down ON a.parent_id = down.id WHERE down.depth < %(depth)s
)
SELECT id, parent_id, -depth AS level FROM up WHERE depth > 0
UNION ALL
(SELECT d.id, d.parent_id, d.depth FROM down d WHERE d.depth > 0
 ORDER BY d.depth LIMIT %(nodes)s)
"""


# Constant text (the values are query parameters).
_TREE_SQL = f"SELECT h.id, h.parent_id, h.level, a.name FROM ({_SQL}) h JOIN accounts_account a ON a.id = h.id"  # noqa: E501, S608


@dataclass
class Node:
    pk: int
    name: str
    level: int
    current: bool = False
    children: list[Node] = field(default_factory=list)


def descendant_ids(pk: int, depth: int = 50) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH RECURSIVE down(id, depth) AS (
                 SELECT id, 0 FROM accounts_account WHERE parent_id = %s
               UNION
                 SELECT a.id, down.depth + 1 FROM accounts_account a
                 JOIN down ON a.parent_id = down.id WHERE down.depth < %s)
               SELECT DISTINCT id FROM down""",
            [pk, depth],
        )
        return {row[0] for row in cursor.fetchall()}


def tree(account: Account) -> tuple[Node | None, list[int], bool]:
    """(root node of the shown tree, ids of the account's descendants, truncated?) in one
    query. Nothing to show (no parent, no children): (None, [], False)."""
    rows = list(
        Account.objects.raw(
            _TREE_SQL,
            {"pk": account.pk, "depth": MAX_DEPTH, "nodes": MAX_NODES + 1},
        )
    )
    if not rows:
        return None, [], False
    truncated = sum(1 for r in rows if r.level > 0) > MAX_NODES
    nodes = {account.pk: Node(account.pk, account.name, 0, current=True)}
    parents = {account.pk: account.parent_id}
    for r in rows:
        if r.level > 0 and len(nodes) > MAX_NODES:
            continue
        nodes.setdefault(r.pk, Node(r.pk, r.name, r.level))
        parents[r.pk] = r.parent_id
    descendants = [pk for pk, node in nodes.items() if node.level > 0]
    for r in sorted(rows, key=lambda r: (r.level, r.name)):
        if r.pk not in nodes:
            continue
        parent = nodes.get(parents[r.pk])
        if r.level > 0 and parent is not None:
            parent.children.append(nodes[r.pk])
    # ancestors: the chain upwards, each holding the one below it
    node = nodes[account.pk]
    while parents.get(node.pk) in nodes and nodes[parents[node.pk]].level < node.level:
        up = nodes[parents[node.pk]]
        if node not in up.children:
            up.children.insert(0, node)
        node = up
    return node, descendants, truncated


def flatten(node: Node | None, depth: int = 0) -> list[tuple[int, Node]]:
    """(indent, node) in display order, for a template without recursion."""
    if node is None:
        return []
    out = [(depth, node)]
    for child in node.children:
        out += flatten(child, depth + 1)
    return out
