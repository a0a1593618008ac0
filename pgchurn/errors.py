"""The one exception family of pgchurn's client side: a user error, printed as one line."""


class PgchurnError(Exception):
    """Base of every error pgchurn reports to a user: the message names the problem and the fix."""
