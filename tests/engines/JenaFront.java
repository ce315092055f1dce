// A minimal SPARQL 1.1 Protocol and Graph Store Protocol front for Apache Jena (ARQ + TDB2) from
// Debian's libapache-jena-java, which ships the libraries but not Fuseki. Test support only: it
// listens on 127.0.0.1, answers SELECT/ASK in SPARQL JSON at /query and reads/writes graphs in
// N-Triples or Turtle at /store (?graph=IRI or ?default).
//
//   java -cp <jena jars> JenaFront.java DATABASE_DIR PORT [union]
//
// With "union" the default graph of a query is the union of the named graphs (TDB2's
// unionDefaultGraph, as Fuseki is often configured); without it, the store's own default graph.
// A dataset in the request (default-graph-uri / named-graph-uri) or in the query (FROM / FROM NAMED)
// is taken from the store's graphs, as Fuseki does (DynamicDatasets).

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.graph.NodeFactory;
import org.apache.jena.query.Dataset;
import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.QueryParseException;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.riot.RDFLanguages;
import org.apache.jena.riot.RDFParser;
import org.apache.jena.query.DatasetFactory;
import org.apache.jena.sparql.core.DatasetDescription;
import org.apache.jena.sparql.core.DatasetGraph;
import org.apache.jena.sparql.core.DynamicDatasets;
import org.apache.jena.sparql.graph.GraphFactory;
import org.apache.jena.system.Txn;
import org.apache.jena.tdb2.TDB2;
import org.apache.jena.tdb2.TDB2Factory;

public class JenaFront {
    static Dataset dataset;
    static boolean union;

    public static void main(String[] args) throws Exception {
        dataset = TDB2Factory.connectDataset(args[0]);
        union = args.length > 2 && args[2].equals("union");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])), 0);
        server.createContext("/query", JenaFront::query);
        server.createContext("/store", JenaFront::store);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("JenaFront ready on 127.0.0.1:" + args[1] + (union ? " (union default graph)" : ""));
        System.out.flush();
    }

    static Map<String, String> params(String encoded) {
        Map<String, String> out = new HashMap<>();
        for (String[] kv : pairs(encoded)) out.put(kv[0], kv[1]);
        return out;
    }

    static List<String[]> pairs(String encoded) {
        List<String[]> out = new ArrayList<>();
        if (encoded == null) return out;
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            out.add(new String[] {key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8)});
        }
        return out;
    }

    static List<String> all(List<String[]> pairs, String key) {
        List<String> out = new ArrayList<>();
        for (String[] kv : pairs) if (kv[0].equals(key)) out.add(kv[1]);
        return out;
    }

    static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        if (type != null) ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) try (OutputStream os = ex.getResponseBody()) { os.write(body); }
        ex.close();
    }

    static void query(HttpExchange ex) throws IOException {
        try {
            List<String[]> p = pairs(ex.getRequestURI().getRawQuery());
            if (ex.getRequestMethod().equals("POST")) {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String ctype = String.valueOf(ex.getRequestHeaders().getFirst("Content-Type"));
                if (ctype.startsWith("application/sparql-query")) p.add(new String[] {"query", body});
                else p.addAll(pairs(body));
            }
            List<String> texts = all(p, "query");
            if (texts.isEmpty()) { send(ex, 400, "text/plain", "no query".getBytes(StandardCharsets.UTF_8)); return; }
            Query q = QueryFactory.create(texts.get(0));
            List<String> defaults = all(p, "default-graph-uri"), named = all(p, "named-graph-uri");
            DatasetDescription described = !defaults.isEmpty() || !named.isEmpty()
                ? DatasetDescription.create(defaults, named) : DatasetDescription.create(q);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Txn.executeRead(dataset, () -> {
                Dataset ds = described == null ? dataset : DatasetFactory.wrap(
                    DynamicDatasets.dynamicDataset(described, dataset.asDatasetGraph(), false));
                try (QueryExecution qe = QueryExecutionFactory.create(q, ds)) {
                    qe.getContext().set(TDB2.symUnionDefaultGraph, union && described == null);
                    if (q.isSelectType()) ResultSetFormatter.outputAsJSON(out, qe.execSelect());
                    else if (q.isAskType()) ResultSetFormatter.outputAsJSON(out, qe.execAsk());
                    else throw new IllegalArgumentException("only SELECT and ASK are answered here");
                }
            });
            send(ex, 200, "application/sparql-results+json", out.toByteArray());
        } catch (QueryParseException | IllegalArgumentException e) {
            send(ex, 400, "text/plain", String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            send(ex, 500, "text/plain", String.valueOf(e).getBytes(StandardCharsets.UTF_8));
        }
    }

    static void store(HttpExchange ex) throws IOException {
        try {
            Map<String, String> p = params(ex.getRequestURI().getRawQuery());
            Node g = p.containsKey("graph") ? NodeFactory.createURI(p.get("graph")) : null;
            if (g == null && !p.containsKey("default")) { send(ex, 400, "text/plain", "?graph=IRI or ?default".getBytes(StandardCharsets.UTF_8)); return; }
            String method = ex.getRequestMethod();
            DatasetGraph dsg = dataset.asDatasetGraph();
            if (method.equals("GET")) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                Txn.executeRead(dataset, () -> RDFDataMgr.write(out, g == null ? dsg.getDefaultGraph() : dsg.getGraph(g), Lang.NTRIPLES));
                send(ex, 200, "application/n-triples", out.toByteArray());
                return;
            }
            Graph incoming = GraphFactory.createDefaultGraph();
            if (method.equals("PUT") || method.equals("POST")) {
                String ctype = String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")).split(";")[0].trim();
                Lang lang = RDFLanguages.contentTypeToLang(ctype);
                RDFParser.source(ex.getRequestBody()).lang(lang == null ? Lang.NTRIPLES : lang).parse(incoming);
            } else if (!method.equals("DELETE")) {
                send(ex, 405, "text/plain", new byte[0]);
                return;
            }
            Node target = g == null ? org.apache.jena.sparql.core.Quad.defaultGraphIRI : g;
            boolean[] existed = {false};
            Txn.executeWrite(dataset, () -> {
                existed[0] = dsg.find(target, Node.ANY, Node.ANY, Node.ANY).hasNext();
                if (!method.equals("POST")) dsg.deleteAny(target, Node.ANY, Node.ANY, Node.ANY);
                incoming.find().forEachRemaining(t -> dsg.add(target, t.getSubject(), t.getPredicate(), t.getObject()));
            });
            send(ex, method.equals("DELETE") && !existed[0] ? 404 : existed[0] ? 204 : 201, null, new byte[0]);
        } catch (Exception e) {
            send(ex, 400, "text/plain", String.valueOf(e).getBytes(StandardCharsets.UTF_8));
        }
    }
}
