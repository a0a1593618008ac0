-- Loads the pgchurn PL/Python package from churn.plpython_module into this backend.
-- Every PL/Python entry point calls it when GD holds no package or an older version.
-- The modules' bytecode is cached in churn.plpython_bytecode per code version and Python
-- bytecode version, so that a new backend unmarshals instead of compiling.
CREATE OR REPLACE FUNCTION churn._load_code()
RETURNS text
LANGUAGE plpython3u
SECURITY DEFINER
SET search_path = pg_catalog, churn, pg_temp
AS $pgchurn$
# Only modules that a new backend has loaded anyway, or that cost little: hashlib,
# importlib.util (with contextlib) and typing would add several ms to every cold start.
import importlib.machinery
import marshal
import sys

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
# sha256 over path NUL source NUL of every module in path order, computed by the server.
version = plpy.execute("SELECT churn._code_version() AS v")[0]["v"]
package = "pgchurn_plpython_" + version


CODE_TYPE = type(compile("", "<pgchurn>", "exec"))  # types.CodeType


def compiled_modules():
    """Code objects of every module: cached bytecode when it fits, else compiled (and cached)."""
    magic = importlib._bootstrap_external.MAGIC_NUMBER.hex()  # importlib.util.MAGIC_NUMBER
    cached = plpy.execute(plpy.prepare(
        "SELECT code FROM churn.plpython_bytecode WHERE code_version = $1 AND python_magic = $2",
        ["text", "text"]), [version, magic])
    if cached:
        try:
            codes = marshal.loads(cached[0]["code"])
        except (EOFError, ValueError, TypeError):
            codes = None
        if (isinstance(codes, dict) and set(codes) == set(sources)
                and all(type(c) is CODE_TYPE for c in codes.values())):
            return codes
    codes = {path: compile(src, "<pgchurn>/" + path, "exec") for path, src in sources.items()}
    try:
        with plpy.subtransaction():
            plpy.execute(plpy.prepare(
                "INSERT INTO churn.plpython_bytecode (code_version, python_magic, code)"
                " VALUES ($1, $2, $3) ON CONFLICT (code_version, python_magic)"
                " DO UPDATE SET code = EXCLUDED.code",
                ["text", "text", "bytea"]), [version, magic, marshal.dumps(codes)])
    except plpy.SPIError:
        pass  # a read-only caller (a STABLE function, a replica): compile again next time
    return codes


if package not in sys.modules:
    # Finder and loader by protocol, without importlib.abc or importlib.util (costly imports).
    class PgchurnSourceFinder:
        """Imports pgchurn_plpython_<version>.* from the sources read above, nothing else."""

        def __init__(self, package, sources, codes):
            self.package = package
            self.sources = sources
            self.codes = codes

        def _path(self, fullname):
            if fullname == self.package:
                return "__init__.py", True
            if not fullname.startswith(self.package + "."):
                return None, False
            rel = fullname[len(self.package) + 1:].replace(".", "/")
            if rel + "/__init__.py" in self.sources:
                return rel + "/__init__.py", True
            if rel + ".py" in self.sources:
                return rel + ".py", False
            return None, False

        def find_spec(self, fullname, path=None, target=None):
            rel, is_pkg = self._path(fullname)
            if rel is None:
                return None
            return importlib.machinery.ModuleSpec(fullname, self, is_package=is_pkg)

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            rel, _ = self._path(module.__name__)
            exec(self.codes[rel], module.__dict__)

    sys.meta_path.append(PgchurnSourceFinder(package, sources, compiled_modules()))

module = __import__(package)
module.CODE_VERSION = version
GD["pgchurn"] = module
return version
$pgchurn$;

REVOKE EXECUTE ON FUNCTION churn._load_code() FROM PUBLIC;

COMMENT ON FUNCTION churn._load_code() IS 'Internal: imports the pgchurn PL/Python package stored in churn.plpython_module into this backend and returns its code version.';
