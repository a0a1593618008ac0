"""pgchurn's PL/Python package: the code that runs inside PostgreSQL.

Standard library only. Migrations store these modules in `churn.plpython_module`; the SQL
entry points import the package through `churn._load_code()` and call into it. Modules import
each other relatively (`from . import db`) so that the same files work here, under the
versioned package name the loader gives them, and in the unit tests as `pgchurn.plpython`.
"""

from . import triggers

__all__ = ["triggers"]

# Set by churn._load_code() to the digest of the installed sources.
CODE_VERSION = "unloaded"
