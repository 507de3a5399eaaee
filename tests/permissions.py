"""Who reads what: the expected permission matrix the access tests check, and its table in docs/permissions.md.

The tests (tests/answers/test_permissions.py) hold every read path to READS; this module renders the same cases
as the documentation, so the table can never say something the tests do not check:

    .venv/bin/python -m tests.permissions > docs/permissions.md
"""

ROLES = {
    "anonymous": "not logged in (asking allowed by ALLOW_ANONYMOUS_QUESTIONS)",
    "plain": "logged in, in no group, listed nowhere",
    "member": "logged in, in the group the group-only collection lists",
    "listed": "logged in, named by the user-only collection",
    "staff": "is_staff (admin access), in no group, listed nowhere",
    "superuser": "is_superuser",
}
# Each collection holds one document with a secret of its own; its access (Collection.Access) as set.
COLLECTIONS = {
    "public": "public",
    "logged-in": "logged_in",
    "group-only": "listed",
    "user-only": "listed",
}
ALL = frozenset(COLLECTIONS)
READS = {
    "anonymous": frozenset({"public"}),
    "plain": frozenset({"public", "logged-in"}),
    "member": frozenset({"public", "logged-in", "group-only"}),
    "listed": frozenset({"public", "logged-in", "user-only"}),
    "staff": frozenset({"public", "logged-in"}),
    "superuser": ALL,
}
# Every path checked for every role: what a readable collection gives, and what an unreadable one gives.
PATHS = {
    "Ask on the page (streamed)": "its passages, titles and text / nothing",
    "Ask through the API (`POST /api/ask`)": "its passages / nothing",
    "Ask one collection (`collections: [id]`)": "its passages / 400, worded as for an id that does not exist",
    "The asker's answer page and `GET /api/answers/{id}`": "its passages and citations / nothing",
    "Source file (`/documents/{id}/file`)": "the file's bytes / 404, as for a missing document",
    "`export_feedback --as-user`": "its passages / nothing",
    "Another person's answer (page, API, feedback, marks)": "404, as for a missing answer (every role)",
    "After access is withdrawn": "old answers stop showing its passages and files; marking them is 404",
}


def render() -> str:
    names = list(COLLECTIONS)
    lines = [
        "# Who reads what",
        "",
        "Generated from the cases `tests/answers/test_permissions.py` checks (`python -m tests.permissions`);",
        "a test fails when this file and those cases differ. One rule decides every path:",
        "`ingestion.selectors.collections_readable`, applied inside the retrieval statement itself.",
        "",
        "| role | " + " | ".join(f"{n} ({COLLECTIONS[n]})" for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for role, description in ROLES.items():
        cells = ["reads" if n in READS[role] else "—" for n in names]
        lines.append(f"| **{role}**: {description} | " + " | ".join(cells) + " |")
    lines += ["", "Paths checked for every role and collection (readable / not readable):", ""]
    lines += ["| path | outcome |", "|---|---|"]
    lines += [f"| {path} | {outcome} |" for path, outcome in PATHS.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
