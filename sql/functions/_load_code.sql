-- Loads the pgchurn PL/Python package from churn.plpython_module into this backend.
-- Every PL/Python entry point calls it, with the code version it was installed with, when GD
-- holds no package or an older version. The modules' bytecode is cached in
-- churn.plpython_bytecode per code version and Python bytecode version. A new backend whose
-- caller names a version that is cached reads that one row, and nothing else: no source, no
-- digest (a row is only ever stored under the digest of the sources it was compiled from, and
-- churn.purge_compiled_code() deletes the rows of versions no longer installed). A module is
-- unmarshalled when it is imported (the write path imports about a third of them). Without a
-- version, or on a miss, the installed version is computed from the sources, as before.
CREATE OR REPLACE FUNCTION churn._load_code(expected text DEFAULT NULL)
RETURNS text
LANGUAGE plpython3u
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
# Only modules that a new backend has loaded anyway: importlib.machinery (0.4 ms), hashlib,
# importlib.util and typing would add to every cold start. ModuleSpec and MAGIC_NUMBER are
# read from the frozen importlib modules that every interpreter holds.
import marshal
import sys

# The stored form: (FORMAT, {module_path: marshal.dumps(code object)}). Any other value, from
# another loader (0015's held code objects), is ignored and replaced.
FORMAT = "pgchurn package bytecode: marshal per module 1"
MAGIC = sys.modules["_frozen_importlib_external"].MAGIC_NUMBER.hex()  # importlib.util's
CODE_TYPE = type(compile("", "<pgchurn>", "exec"))  # types.CodeType

CACHED = "SELECT code FROM churn.plpython_bytecode WHERE code_version = $1 AND python_magic = $2"
# sha256 over path NUL source NUL of every module in path order, computed by the server.
INSTALLED = (
    "SELECT v.version, b.code FROM (SELECT churn._code_version() AS version) v"
    " LEFT JOIN churn.plpython_bytecode b ON b.code_version = v.version AND b.python_magic = $1"
)


def cached_modules(code):
    """{path: marshalled code} from the cached row, or None when it is not of this format."""
    try:
        stored = marshal.loads(code)
    except (EOFError, ValueError, TypeError):
        return None
    if not (type(stored) is tuple and len(stored) == 2 and stored[0] == FORMAT):
        return None
    modules = stored[1]
    if (type(modules) is not dict or "__init__.py" not in modules
            or not all(type(k) is str and type(v) is bytes for k, v in modules.items())):
        return None
    return modules


def compile_modules(version):
    """Compile every module from churn.plpython_module, and cache the result if allowed."""
    if version is None:
        plpy.error(
            "pgchurn code is not installed: churn.plpython_module holds no module",
            hint="run: pgchurn migrate (or alembic upgrade head); on a schema-only copy, only"
            " pgchurn migrate repairs it: docs/operations.md",
        )
    rows = plpy.execute(
        "SELECT module_path, source FROM churn.plpython_module ORDER BY module_path"
    )
    sources = {r["module_path"]: r["source"] for r in rows}
    if "__init__.py" not in sources:
        plpy.error(
            "pgchurn code is not installed: churn.plpython_module holds no __init__.py",
            hint="run: pgchurn migrate (or alembic upgrade head); on a schema-only copy, only"
            " pgchurn migrate repairs it: docs/operations.md",
        )
    modules = {path: marshal.dumps(compile(src, "<pgchurn>/" + path, "exec"))
               for path, src in sources.items()}
    try:
        with plpy.subtransaction():
            plpy.execute(plpy.prepare(
                "INSERT INTO churn.plpython_bytecode (code_version, python_magic, code)"
                " VALUES ($1, $2, $3) ON CONFLICT (code_version, python_magic)"
                " DO UPDATE SET code = EXCLUDED.code",
                ["text", "text", "bytea"]), [version, MAGIC, marshal.dumps((FORMAT, modules))])
    except plpy.SPIError:
        pass  # a read-only caller (a STABLE function, a replica): compile again next time
    return modules


def installed():
    """(version, code) of the installed sources, and their cached code (or None)."""
    row = plpy.execute(plpy.prepare(INSTALLED, ["text"]), [MAGIC])[0]
    return row["version"], row["code"]


def load():
    """(version, {path: marshalled code}), or (version, None) when this backend holds it."""
    if expected is not None:
        if "pgchurn_plpython_" + expected in sys.modules:
            return expected, None
        rows = plpy.execute(plpy.prepare(CACHED, ["text", "text"]), [expected, MAGIC])
        modules = cached_modules(rows[0]["code"]) if rows else None
        if modules is not None:
            return expected, modules
    version, code = installed()
    if "pgchurn_plpython_" + str(version) in sys.modules:
        return version, None
    modules = None if code is None else cached_modules(code)
    return version, compile_modules(version) if modules is None else modules


version, modules = load()
package = "pgchurn_plpython_" + version

if modules is not None:
    # Finder and loader by protocol, without importlib.abc or importlib.util (costly imports).
    class PgchurnFinder:
        """Imports pgchurn_plpython_<version>.* from the bytecode read above, nothing else."""

        def __init__(self, package, modules):
            self.package = package
            self.modules = modules

        def _path(self, fullname):
            if fullname == self.package:
                return "__init__.py", True
            if not fullname.startswith(self.package + "."):
                return None, False
            rel = fullname[len(self.package) + 1:].replace(".", "/")
            if rel + "/__init__.py" in self.modules:
                return rel + "/__init__.py", True
            if rel + ".py" in self.modules:
                return rel + ".py", False
            return None, False

        def find_spec(self, fullname, path=None, target=None):
            rel, is_pkg = self._path(fullname)
            if rel is None:
                return None
            return sys.modules["_frozen_importlib"].ModuleSpec(fullname, self, is_package=is_pkg)

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            rel, _ = self._path(module.__name__)
            try:
                code = marshal.loads(self.modules[rel])
            except (EOFError, ValueError, TypeError):
                code = None
            if type(code) is not CODE_TYPE:  # a damaged entry: never run it, rebuild all
                if installed()[0] != version:
                    plpy.error(
                        "pgchurn's cached bytecode is damaged, and churn.plpython_module holds"
                        " other code than the version " + version + " being loaded",
                        hint="run: pgchurn migrate (or alembic upgrade head)",
                    )
                self.modules = compile_modules(version)
                code = marshal.loads(self.modules[rel])
            exec(code, module.__dict__)

    # First: an import of the package itself then never scans sys.path (the data directory
    # and four site folders) before it reaches this finder.
    sys.meta_path.insert(0, PgchurnFinder(package, modules))

module = __import__(package)
module.CODE_VERSION = version
GD["pgchurn"] = module
return version
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn._load_code(text) FROM PUBLIC;

COMMENT ON FUNCTION churn._load_code(text) IS 'Internal: imports the pgchurn PL/Python package stored in churn.plpython_module into this backend and returns its code version; given the version its caller expects, from that version''s cached bytecode alone.';
