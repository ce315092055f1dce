"""SPARQL stores other than evkg's own, started on 127.0.0.1 for the tests and benchmarks: a writable
Oxigraph server, Virtuoso Open Source (Debian's virtuoso-opensource) and Apache Jena ARQ + TDB2
(Debian's libapache-jena-java, behind tests/engines/JenaFront.java), and Comunica's SPARQL endpoint over a
file (npm's @comunica/query-sparql-file 4.x). Each runs in a throw-away
directory on free ports and is stopped on exit; one that is not installed raises EngineUnavailable
with the reason."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from evkg.errors import EvkgError
from evkg.remote import ASSERTED_GRAPH, graph_store, remote_query
from evkg.serve import free_port, oxigraph_binary

HERE = Path(__file__).resolve().parent
READY_WITHIN = 90.0  # seconds; a JVM compiling the front on a busy 2-core machine is the slowest


class EngineUnavailable(Exception):
    """The engine cannot run here (not installed, or it failed to start); the message says why."""


@dataclass
class Engine:
    """A running store: where to query it, where to load it, and the credentials `evkg load` needs."""

    name: str
    version: str
    query_url: str
    store_url: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    log: Path | None = None
    sql_port: int = 0  # Virtuoso's SQL port and dba password, for isql
    dba_password: str = ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _wait_ready(engine: Engine) -> Engine:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if engine.proc.poll() is not None:
            tail = engine.log.read_text(errors="replace").strip().splitlines()[-3:] if engine.log else []
            raise EngineUnavailable(f"{engine.name} exited at start (code {engine.proc.returncode}): {' / '.join(tail)}")
        try:
            remote_query(engine.query_url, "ASK {}", timeout=5)
            return engine
        except EvkgError:
            time.sleep(0.2)
    engine.stop()
    raise EngineUnavailable(f"{engine.name} did not answer within {READY_WITHIN:.0f} s")


def _popen(args: list[str], log: Path, **kw) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kw)


def start_oxigraph(workdir: Path, union_default_graph: bool = False) -> Engine:
    """Oxigraph's read-write server (the `oxigraph` package evkg already depends on)."""
    port = free_port()
    args = [oxigraph_binary(), "serve", "--location", str(workdir / "db"), "--bind", f"127.0.0.1:{port}"]
    version = subprocess.run([oxigraph_binary(), "--version"], capture_output=True, text=True).stdout.strip()
    engine = Engine("oxigraph", version, f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/store", workdir,
                    log=workdir / "oxigraph.log")
    engine.proc = _popen(args + (["--union-default-graph"] if union_default_graph else []), engine.log)
    return _wait_ready(engine)


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DirsAllowed = ., {d}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
CheckpointInterval = 60
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 10
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 300
MaxQueryCostEstimationTime = 0
"""
# The permission step of the README: a user of its own that may write through the Graph Store endpoint.
VIRTUOSO_GRANTS = """DB.DBA.USER_CREATE('evkg', '{password}');
GRANT SPARQL_UPDATE TO "evkg";
GRANT SELECT ON DB.DBA.SPARQL_SINV_2 TO "SPARQL";
GRANT EXECUTE ON DB.DBA.SPARQL_SINV_IMP TO "SPARQL";
"""  # the last two let the anonymous endpoint call SERVICE (the federated queries)


def isql(sql_port: int, password: str, statements: str) -> str:
    """Run SQL through Virtuoso's isql client; an error is EngineUnavailable with Virtuoso's message."""
    done = subprocess.run([shutil.which("isql-vt"), f"127.0.0.1:{sql_port}", "dba", password],
                          input=statements, capture_output=True, text=True, timeout=600)
    if done.returncode or "*** Error" in done.stdout + done.stderr:
        raise EngineUnavailable(f"isql: {(done.stdout + done.stderr).strip().splitlines()[-3:]}")
    return done.stdout


def start_virtuoso(workdir: Path, buffers: int = 10000) -> Engine:
    """Virtuoso Open Source from Debian, without its init scripts: a generated virtuoso.ini in
    `workdir`, the dba password changed from Debian's default, the `evkg` user allowed to update."""
    binary = shutil.which("virtuoso-t")
    if not binary or not shutil.which("isql-vt"):
        raise EngineUnavailable("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    sql, http = free_port(), free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "virtuoso.ini").write_text(VIRTUOSO_INI.format(d=workdir, sql=sql, http=http, buffers=buffers,
                                                              dirty=buffers * 3 // 4))
    usage = subprocess.run([binary, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    version = next((line.split()[1] for line in usage.splitlines() if line.startswith("Version")), "?")
    engine = Engine("virtuoso", version, f"http://127.0.0.1:{http}/sparql",
                    f"http://127.0.0.1:{http}/sparql-graph-crud-auth", workdir, log=workdir / "virtuoso.out")
    engine.proc = _popen([binary, "+foreground", "+configfile", str(workdir / "virtuoso.ini")], engine.log, cwd=workdir)
    _wait_ready(engine)
    dba, user = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    try:
        isql(sql, "dba", f"USER_SET_PASSWORD('dba', '{dba}');\n")
        isql(sql, dba, VIRTUOSO_GRANTS.format(password=user))
    except EngineUnavailable:
        engine.stop()
        raise
    engine.env = {"EVKG_ENDPOINT_USER": "evkg", "EVKG_ENDPOINT_PASSWORD": user}
    engine.sql_port, engine.dba_password = sql, dba
    return engine


JENA_JARS = ("jena-arq jena-base jena-core jena-dboe-base jena-dboe-index jena-dboe-storage jena-dboe-trans-data "
             "jena-dboe-transaction jena-iri jena-tdb2 commons-cli commons-codec commons-compress commons-csv "
             "commons-io commons-lang3 dexx.collection gson guava httpclient httpcore jackson-core jackson-databind "
             "jsonld-java jakarta.json-api protobuf slf4j-api slf4j-nop thrift titanium-json-ld").split()


def start_jena(workdir: Path, union_default_graph: bool = True, java_dir: Path = Path("/usr/share/java")) -> Engine:
    """Apache Jena ARQ + TDB2 from Debian behind JenaFront (Fuseki is not packaged); by default the
    query's default graph is the union of the named graphs, as Fuseki is often configured."""
    jars = [java_dir / f"{j}.jar" for j in JENA_JARS]
    missing = [j.name for j in jars if not j.is_file()]
    java = shutil.which("java")
    if missing or not java:
        raise EngineUnavailable(f"Apache Jena is not installed (apt-get install libapache-jena-java): missing "
                                f"{', '.join(missing) or 'java'}")
    # Debian's jena-core moved its shaded xerces classes to the package `xerces` but left their
    # message files under org/apache/jena/ext/xerces; without them every XSD datatype fails to load.
    res = workdir / "xerces-messages"
    with zipfile.ZipFile(java_dir / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith("org/apache/jena/ext/xerces/") and name.endswith(".properties"):
                target = res / "xerces" / name[len("org/apache/jena/ext/xerces/"):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    version = next((p.stem.split("-")[-1] for p in java_dir.glob("jena-arq-*.jar")), "?")
    port = free_port()
    engine = Engine("jena", version, f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/store", workdir,
                    log=workdir / "jena.log")
    classpath = ":".join([str(res)] + [str(j) for j in jars])
    engine.proc = _popen([java, "-Xmx2g", "-cp", classpath, str(HERE / "engines" / "JenaFront.java"), str(workdir / "tdb2"),
                          str(port)] + (["union"] if union_default_graph else []), engine.log)
    return _wait_ready(engine)


COMUNICA = "comunica-sparql-file-http"


def comunica_binary() -> Path:
    """Comunica's file endpoint: on PATH, or under the npm prefix named by EVKG_COMUNICA
    (`npm install --prefix DIR @comunica/query-sparql-file@4`; 5.x needs Node.js 22)."""
    prefix = os.environ.get("EVKG_COMUNICA")
    found = Path(prefix) / "node_modules" / ".bin" / COMUNICA if prefix else None
    if found and found.is_file():
        return found
    if shutil.which(COMUNICA):
        return Path(shutil.which(COMUNICA))
    where = f"not under EVKG_COMUNICA={prefix}" if prefix else "not on PATH and EVKG_COMUNICA is not set"
    raise EngineUnavailable(f"Comunica is not installed ({COMUNICA} {where}; "
                            "npm install --prefix DIR @comunica/query-sparql-file@4, then EVKG_COMUNICA=DIR)")


def write_nquads(graphs: dict[str, Path], out: Path, default: Path | None = None) -> Path:
    """N-Triples files joined into one N-Quads file, each into its named graph (a file store's layout),
    and `default` into the default graph."""
    import pyoxigraph as ox

    parts = [(ox.NamedNode(g), p) for g, p in graphs.items()] + ([(ox.DefaultGraph(), default)] if default else [])
    quads = (ox.Quad(t.subject, t.predicate, t.object, g)
             for g, path in parts for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
    ox.serialize(quads, output=str(out), format=ox.RdfFormat.N_QUADS)
    return out


def start_comunica(workdir: Path, source: Path) -> Engine:
    """Comunica's SPARQL endpoint over an RDF file (read-only: it has no Graph Store endpoint, so the
    file is what `evkg load` would have written, made by write_nquads)."""
    binary = comunica_binary()
    if not shutil.which("node"):
        raise EngineUnavailable("Comunica needs Node.js (node is not on PATH)")
    package = binary.resolve().parents[1] / "package.json"
    version = json.loads(package.read_text()).get("version", "?") if package.is_file() else "?"
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    engine = Engine("comunica", version, f"http://127.0.0.1:{port}/sparql", "", workdir, log=workdir / "comunica.log")
    # one worker: a worker per core would double the memory and the start-up time on a shared machine
    env = dict(os.environ, NODE_OPTIONS=f"--require {HERE / 'engines' / 'loopback.js'}")  # 127.0.0.1 only
    engine.proc = _popen([str(binary), str(source), "--port", str(port), "--workers", "1", "--timeout", "120"],
                         engine.log, cwd=workdir, env=env)
    return _wait_ready(engine)


STARTERS = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso, "jena": start_jena}


def credentials(engine: Engine) -> tuple[str, str] | None:
    return (engine.env["EVKG_ENDPOINT_USER"], engine.env["EVKG_ENDPOINT_PASSWORD"]) if engine.env else None


def put_triple(engine: Engine, graph: str | None, ntriple: str) -> None:
    """Add one triple to a graph of the store (None: its default graph) with the engine's own
    credentials; for setting up what a load must not touch."""
    graph_store(engine.store_url, "POST", graph, ntriple.encode(), creds=credentials(engine))


def graph_text(engine: Engine, graph: str | None) -> str:
    """What a graph of the store holds, as the store serializes it."""
    return graph_store(engine.store_url, "GET", graph, creds=credentials(engine)).decode("utf-8")


__all__ = ["ASSERTED_GRAPH", "Engine", "EngineUnavailable", "STARTERS", "graph_text", "isql", "put_triple",
           "start_comunica", "start_jena", "start_oxigraph", "start_virtuoso", "write_nquads"]
