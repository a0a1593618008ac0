"""Every test in tests/db runs against the real server."""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/db/" in str(item.fspath):
            item.add_marker(pytest.mark.db)


@pytest.fixture
def login_as(conn, db_url):
    """login_as(role) -> an autocommit connection as a fresh LOGIN member of that role.

    `role` is a group role such as "pgchurn_app", or None for a login with no grants at all.
    """
    import uuid

    import psycopg2

    made, conns = [], []

    def make(role):
        user = f"t_{(role or 'nobody').removeprefix('pgchurn_')}_{uuid.uuid4().hex[:8]}"
        member = f' IN ROLE "{role}"' if role else ""
        with conn.cursor() as cur:
            cur.execute(f'CREATE ROLE "{user}" LOGIN{member}')
        conn.commit()
        made.append(user)
        c = psycopg2.connect(db_url.replace("postgres@", f"{user}@"))
        c.autocommit = True
        conns.append(c)
        return c

    yield make
    for c in conns:
        c.close()
    with conn.cursor() as cur:
        for user in made:
            cur.execute(f'DROP OWNED BY "{user}"')
            cur.execute(f'DROP ROLE "{user}"')
    conn.commit()
