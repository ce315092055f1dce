"""Fast OWL reasoning: the ontology's axioms compiled into forward-chaining rules (OWL 2 RL style) over a pyoxigraph store.

Why not HermiT on every build: realisation against the nominal-heavy defined classes grows steeply
(12 s at 20k triples, no answer within 17 minutes at 50k; benchmarks/reasoning.md). The entailments
the graph relies on are all of the "recognition" kind (an individual that satisfies a defined
class's definition is a member), which forward chaining derives exactly; why the two agree is the
ontology's shape, so `compile_tbox` accounts for every axiom and refuses one it does not cover
(UnsupportedAxiom), and tests compare the result with HermiT's.

One known limit, checked by the tests rather than by the compiler: when a told subclass axiom puts a
recognised individual into another defined class (UnconditionalATMPJurisdiction is an
ATMPJurisdiction), the existential of that class's definition is not followed further; this is
exact when, as here, the subclass's definition implies the superclass's (the tests compare the
inferred triples and the class hierarchy with HermiT's).

Covered: class and property declarations, rdfs:subClassOf (named, intersection or hasValue
superclass), owl:equivalentClass to expressions of intersectionOf, unionOf, someValuesFrom,
hasValue and oneOf, rdfs:domain and rdfs:range (named, intersection or union classes, datatypes),
rdfs:subPropertyOf, owl:equivalentProperty, owl:inverseOf, owl:propertyChainAxiom, functional,
inverse-functional, transitive, symmetric, asymmetric and irreflexive properties,
owl:disjointWith, owl:AllDisjointClasses, owl:sameAs, owl:differentFrom and annotations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .errors import EvkgError
from .namespaces import EVKG, RES
from .store import to_rdflib

THING = str(OWL.Thing)
NOTHING = str(OWL.Nothing)
TYPE = str(RDF.type)
SAME = str(OWL.sameAs)
DIFFERENT = str(OWL.differentFrom)
PROVENANCE_CLASSES = (EVKG.SourceLocation, EVKG.DocumentPart, EVKG.BibliographicResource,
                      EVKG.BibliographicReference, EVKG.Review)
# Predicates that say nothing a reasoner uses (annotations) or that only build lists and declarations.
ANNOTATIONS = {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionInfo, OWL.versionIRI,
               OWL.deprecated, OWL.priorVersion, OWL.backwardCompatibleWith, OWL.incompatibleWith, OWL.imports}
DECLARATIONS = {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                OWL.NamedIndividual, OWL.Ontology, RDF.Property}
CHARACTERISTICS = {OWL.FunctionalProperty: "functional", OWL.InverseFunctionalProperty: "inverse_functional",
                   OWL.TransitiveProperty: "transitive", OWL.SymmetricProperty: "symmetric",
                   OWL.AsymmetricProperty: "asymmetric", OWL.IrreflexiveProperty: "irreflexive"}
# TBox predicates; a triple with one of these (or typed with an OWL/RDFS meta-class) is an axiom.
AXIOM_PREDICATES = {RDFS.subClassOf, OWL.equivalentClass, RDFS.domain, RDFS.range, RDFS.subPropertyOf,
                    OWL.equivalentProperty, OWL.inverseOf, OWL.propertyChainAxiom, OWL.disjointWith,
                    OWL.propertyDisjointWith, OWL.complementOf, OWL.disjointUnionOf, OWL.hasKey, OWL.members,
                    OWL.distinctMembers, OWL.onProperty, OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue,
                    OWL.hasSelf, OWL.intersectionOf, OWL.unionOf, OWL.oneOf, OWL.cardinality, OWL.minCardinality,
                    OWL.maxCardinality, OWL.qualifiedCardinality, OWL.minQualifiedCardinality,
                    OWL.maxQualifiedCardinality, OWL.onClass, OWL.onDataRange, OWL.inverseOf, OWL.datatypeComplementOf,
                    OWL.withRestrictions, OWL.onDatatype, RDF.first, RDF.rest}
# Datatypes whose literals a property with that datatype range accepts (the OWL 2 datatype map, in part).
INTEGERS = {str(XSD[t]) for t in ("integer", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                                   "negativeInteger", "long", "int", "short", "byte", "unsignedLong",
                                   "unsignedInt", "unsignedShort", "unsignedByte")}
ACCEPTS = {str(XSD.integer): INTEGERS, str(XSD.decimal): INTEGERS | {str(XSD.decimal)}}


class UnsupportedAxiom(EvkgError):
    """The ontology (or a data file) holds an axiom the rules do not cover: use HermiT instead."""

    exit_code = 1


class RulesInconsistency(Exception):
    """Raised inside the engine when a clash is found; carries the individuals involved."""

    def __init__(self, nodes: set[str], reason: str):
        super().__init__(reason)
        self.nodes, self.reason = nodes, reason


@dataclass
class TBox:
    """The ontology compiled into lookup tables for the rules (all terms as IRI strings)."""

    supers: dict = field(default_factory=lambda: defaultdict(set))        # x in C => x in D
    intersections: dict = field(default_factory=dict)                     # expr -> members
    in_intersection: dict = field(default_factory=lambda: defaultdict(set))  # member -> exprs
    unions: dict = field(default_factory=dict)                            # expr -> members
    in_union: dict = field(default_factory=lambda: defaultdict(set))      # member -> exprs
    some: dict = field(default_factory=lambda: defaultdict(set))          # p -> {(expr, filler)}
    some_filler: dict = field(default_factory=lambda: defaultdict(set))   # filler -> {(expr, p)}
    has_value: dict = field(default_factory=lambda: defaultdict(set))     # p -> {(expr, value)}
    value_of: dict = field(default_factory=dict)                          # expr -> (p, value), superclass side
    one_of: dict = field(default_factory=dict)                            # expr -> individuals
    domain: dict = field(default_factory=lambda: defaultdict(set))
    range: dict = field(default_factory=lambda: defaultdict(set))
    datatype_range: dict = field(default_factory=lambda: defaultdict(set))
    subprops: dict = field(default_factory=lambda: defaultdict(set))      # p -> super-properties
    inverse: dict = field(default_factory=lambda: defaultdict(set))
    chains: list = field(default_factory=list)                            # (super, [p1, p2, ...])
    characteristics: dict = field(default_factory=lambda: defaultdict(set))  # name -> properties
    disjoint: set = field(default_factory=set)                            # frozenset pairs of named classes
    defined: set = field(default_factory=set)                             # named classes with non-RL definitions
    named_classes: set = field(default_factory=set)
    object_properties: set = field(default_factory=set)
    data_properties: set = field(default_factory=set)
    told_supers: dict = field(default_factory=lambda: defaultdict(set))   # rdfs:subClassOf between named classes

    def named_individuals(self) -> set[str]:
        """The individuals the axioms name (in owl:oneOf and owl:hasValue)."""
        return {i for inds in self.one_of.values() for i in inds} | {v for _, v in self.value_of.values()}

    def predicates(self) -> set[str]:
        """The properties whose assertions a rule can use."""
        used = set(self.domain) | set(self.range) | set(self.datatype_range) | set(self.subprops) | set(self.inverse)
        used |= set(self.some) | set(self.has_value) | {p for _, chain in self.chains for p in chain}
        for props in self.characteristics.values():
            used |= props
        used |= {q for qs in self.subprops.values() for q in qs} | {q for qs in self.inverse.values() for q in qs}
        return (used & (self.object_properties | self.data_properties)) | {SAME, DIFFERENT}


def tbox_graph(store: ox.Store) -> Graph:
    """The axioms of the graph in `store` (from the ontology or any data file), as a small rdflib graph."""
    g = Graph()
    q = ox.NamedNode
    preds = [q(str(p)) for p in AXIOM_PREDICATES if p not in (RDF.first, RDF.rest)]
    metas = [q(str(c)) for c in (*DECLARATIONS, *CHARACTERISTICS, OWL.Restriction, OWL.AllDisjointClasses,
                                   OWL.AllDifferent, OWL.AllDisjointProperties, OWL.NegativePropertyAssertion,
                                   RDFS.Datatype, OWL.ReflexiveProperty, OWL.Axiom)]
    quads = [quad for p in preds for quad in store.quads_for_pattern(None, p, None, ox.DefaultGraph())]
    quads += [quad for c in metas for quad in store.quads_for_pattern(None, q(TYPE), c, ox.DefaultGraph())]
    todo = {quad.object for quad in quads if isinstance(quad.object, ox.BlankNode)}
    todo |= {quad.subject for quad in quads if isinstance(quad.subject, ox.BlankNode)}
    seen = set()
    while todo:  # class expressions and lists are blank nodes: take them whole
        b = todo.pop()
        seen.add(b)
        for quad in store.quads_for_pattern(b, None, None, ox.DefaultGraph()):
            quads.append(quad)
            if isinstance(quad.object, ox.BlankNode) and quad.object not in seen:
                todo.add(quad.object)
    for quad in quads:
        g.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return g


def compile_tbox(g: Graph) -> TBox:
    """Compile the axioms in `g`; raise UnsupportedAxiom on any axiom the rules do not cover."""
    t = TBox()
    consumed: set = set()
    names: dict = {}

    def fail(what: str, node) -> None:
        raise UnsupportedAxiom(f"the rules reasoner does not cover {what} ({node}); "
                               "build with --reasoner hermit, or extend src/evkg/owlrules.py")

    def items(lst) -> list:
        out = []
        while lst != RDF.nil:
            consumed.update(g.triples((lst, None, None)))
            out.append(g.value(lst, RDF.first))
            lst = g.value(lst, RDF.rest)
            if lst is None:
                fail("a malformed RDF list", out)
        return out

    def expr(node) -> str:
        """The name of class expression `node` (an IRI, or _:exprN for an anonymous one)."""
        if isinstance(node, URIRef):
            t.named_classes.add(str(node))
            return str(node)
        if node in names:
            return names[node]
        name = names[node] = f"_:expr{len(names)}"
        consumed.update(g.triples((node, RDF.type, OWL.Class)))
        consumed.update(g.triples((node, RDF.type, OWL.Restriction)))
        if (node, OWL.intersectionOf, None) in g:
            members = [expr(m) for m in items(g.value(node, OWL.intersectionOf))]
            consumed.add((node, OWL.intersectionOf, g.value(node, OWL.intersectionOf)))
            t.intersections[name] = members
            for m in members:
                t.in_intersection[m].add(name)
                t.supers[name].add(m)
        elif (node, OWL.unionOf, None) in g:
            members = [expr(m) for m in items(g.value(node, OWL.unionOf))]
            consumed.add((node, OWL.unionOf, g.value(node, OWL.unionOf)))
            t.unions[name] = members
            for m in members:
                t.in_union[m].add(name)
        elif (node, OWL.oneOf, None) in g:
            inds = [str(i) for i in items(g.value(node, OWL.oneOf))]
            consumed.add((node, OWL.oneOf, g.value(node, OWL.oneOf)))
            t.one_of[name] = inds
        elif (node, OWL.onProperty, None) in g:
            prop = g.value(node, OWL.onProperty)
            if not isinstance(prop, URIRef):
                fail("a restriction on an inverse property expression", node)
            consumed.add((node, OWL.onProperty, prop))
            if (node, OWL.someValuesFrom, None) in g:
                filler = g.value(node, OWL.someValuesFrom)
                consumed.add((node, OWL.someValuesFrom, filler))
                f = expr(filler)
                t.some[str(prop)].add((name, f))
                t.some_filler[f].add((name, str(prop)))
            elif (node, OWL.hasValue, None) in g:
                v = g.value(node, OWL.hasValue)
                if not isinstance(v, URIRef):
                    fail("a hasValue restriction with a literal or blank value", node)
                consumed.add((node, OWL.hasValue, v))
                t.has_value[str(prop)].add((name, str(v)))
                t.value_of[name] = (str(prop), str(v))
            else:
                fail("this kind of restriction", node)
        else:
            fail("this class expression", node)
        return name

    def non_rl_super(name: str) -> bool:
        """Whether membership in `name` implies something the rules cannot derive (an existential,
        a disjunction, a nominal), so it may only be reached by recognising the definition."""
        if name in t.unions or name in t.one_of or any(name == e for es in t.some.values() for e, _ in es):
            return True
        return any(non_rl_super(m) for m in t.intersections.get(name, ()))

    for s, o in g.subject_objects(RDF.type):
        if o in DECLARATIONS:
            consumed.add((s, RDF.type, o))
            if o in (OWL.Class, RDFS.Class) and isinstance(s, URIRef):
                t.named_classes.add(str(s))
            elif o == OWL.ObjectProperty:
                t.object_properties.add(str(s))
            elif o == OWL.DatatypeProperty:
                t.data_properties.add(str(s))
        elif o in CHARACTERISTICS:
            consumed.add((s, RDF.type, o))
            t.characteristics[CHARACTERISTICS[o]].add(str(s))
    t.object_properties.add(SAME)
    for a, b in g.subject_objects(RDFS.subClassOf):
        sup = expr(b)
        if non_rl_super(sup):
            fail("a superclass with an existential, union or nominal outside an equivalence", b)
        t.supers[expr(a)].add(sup)
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            t.told_supers[str(a)].add(str(b))
        consumed.add((a, RDFS.subClassOf, b))
    for a, b in g.subject_objects(OWL.equivalentClass):
        x, y = expr(a), expr(b)
        t.supers[x].add(y)
        t.supers[y].add(x)
        for named, other in ((x, y), (y, x)):
            if named in t.named_classes and non_rl_super(other):
                t.defined.add(named)
        consumed.add((a, OWL.equivalentClass, b))
    for p, c in g.subject_objects(RDFS.domain):
        t.domain[str(p)].add(expr(c))
        consumed.add((p, RDFS.domain, c))
    for p, c in g.subject_objects(RDFS.range):
        consumed.add((p, RDFS.range, c))
        if str(c).startswith(str(XSD)) or c in (RDFS.Literal, RDF.PlainLiteral, RDF.langString):
            t.datatype_range[str(p)].add(str(c))
            continue
        name = expr(c)
        if name in t.unions and not all(m in t.named_classes for m in t.unions[name]):
            fail("a range that is a union of class expressions", c)
        if name not in t.unions and non_rl_super(name):
            fail("a range with an existential or nominal", c)
        t.range[str(p)].add(name)
    for p, q in g.subject_objects(RDFS.subPropertyOf):
        t.subprops[str(p)].add(str(q))
        consumed.add((p, RDFS.subPropertyOf, q))
    for p, q in g.subject_objects(OWL.equivalentProperty):
        t.subprops[str(p)].add(str(q))
        t.subprops[str(q)].add(str(p))
        consumed.add((p, OWL.equivalentProperty, q))
    for p, q in g.subject_objects(OWL.inverseOf):
        if not (isinstance(p, URIRef) and isinstance(q, URIRef)):
            continue  # an anonymous inverse inside a restriction: refused there
        t.inverse[str(p)].add(str(q))
        t.inverse[str(q)].add(str(p))
        consumed.add((p, OWL.inverseOf, q))
    for p, lst in g.subject_objects(OWL.propertyChainAxiom):
        chain = items(lst)
        if not all(isinstance(x, URIRef) for x in chain):
            fail("a property chain with an inverse property expression", p)
        t.chains.append((str(p), [str(x) for x in chain]))
        consumed.add((p, OWL.propertyChainAxiom, lst))
    for a, b in g.subject_objects(OWL.disjointWith):
        if not (isinstance(a, URIRef) and isinstance(b, URIRef)):
            fail("disjointness of class expressions", (a, b))
        t.disjoint.add(frozenset((str(a), str(b))))
        consumed.add((a, OWL.disjointWith, b))
    for node in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = [str(m) for m in items(g.value(node, OWL.members))]
        consumed.update({(node, RDF.type, OWL.AllDisjointClasses), (node, OWL.members, g.value(node, OWL.members))})
        t.disjoint |= {frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1:]}
    for triple in g:
        if triple not in consumed and triple[1] not in ANNOTATIONS:
            fail("this axiom", " ".join(x.n3() for x in triple))
    return t


@dataclass
class Closure:
    """The materialised types of the individuals the rules looked at, and their asserted types."""

    types: dict          # individual -> set of class names (IRIs and _:expr names)
    asserted: dict       # individual -> set of asserted class IRIs


class Engine:
    """Semi-naive forward chaining of the compiled rules over the triples of a set of individuals."""

    def __init__(self, tbox: TBox):
        self.t = tbox
        self.types: dict = defaultdict(set)
        self.out: dict = defaultdict(lambda: defaultdict(set))   # p -> s -> {o}
        self.inn: dict = defaultdict(lambda: defaultdict(set))   # p -> o -> {s}
        self.todo_types: list = []
        self.todo_props: list = []

    def add_type(self, x: str, c: str) -> None:
        if c not in self.types[x]:
            self.types[x].add(c)
            self.todo_types.append((x, c))

    def add_prop(self, s: str, p: str, o: str) -> None:
        if o not in self.out[p][s]:
            self.out[p][s].add(o)
            self.inn[p][o].add(s)
            self.todo_props.append((s, p, o))

    def run(self) -> None:
        t = self.t
        for expr, inds in t.one_of.items():
            for i in inds:
                self.add_type(i, expr)
        while self.todo_types or self.todo_props:
            while self.todo_props:
                self._prop(*self.todo_props.pop())
            while self.todo_types:
                self._type(*self.todo_types.pop())

    def _type(self, x: str, c: str) -> None:
        t = self.t
        if c == NOTHING:
            raise RulesInconsistency({x}, "is a member of owl:Nothing")
        for d in t.supers.get(c, ()):
            self.add_type(x, d)
        for inter in t.in_intersection.get(c, ()):
            if all(m in self.types[x] for m in t.intersections[inter]):
                self.add_type(x, inter)
        for u in t.in_union.get(c, ()):
            self.add_type(x, u)
        if c in t.unions:
            self._union(x, c)
        if c in t.value_of:
            p, v = t.value_of[c]
            self.add_prop(x, p, v)
        for expr, p in t.some_filler.get(c, ()):
            for s in list(self.inn[p].get(x, ())):
                self.add_type(s, expr)

    def _union(self, x: str, u: str) -> None:
        """x is in a union: clash if every member is excluded, the member if only one remains."""
        left = [m for m in self.t.unions[u] if not self._excluded(x, m)]
        if not left:
            raise RulesInconsistency({x}, f"cannot be any of {', '.join(self.t.unions[u])}")
        if len(left) == 1:
            self.add_type(x, left[0])

    def _excluded(self, x: str, c: str) -> bool:
        return any(frozenset((c, d)) in self.t.disjoint for d in self.types[x] if d != c)

    def _prop(self, s: str, p: str, o: str) -> None:
        t = self.t
        for c in t.domain.get(p, ()):
            self.add_type(s, c)
        for c in t.range.get(p, ()):
            self.add_type(o, c)
        for q in t.subprops.get(p, ()):
            self.add_prop(s, q, o)
        for q in t.inverse.get(p, ()):
            self.add_prop(o, q, s)
        ch = t.characteristics
        if p in ch["symmetric"]:
            self.add_prop(o, p, s)
        if p in ch["transitive"]:
            for z in list(self.out[p].get(o, ())):
                self.add_prop(s, p, z)
            for w in list(self.inn[p].get(s, ())):
                self.add_prop(w, p, o)
        if p in ch["asymmetric"] and s in self.out[p].get(o, ()):
            raise RulesInconsistency({s, o}, f"are linked both ways by the asymmetric property {p}")
        if p in ch["irreflexive"] and s == o:
            raise RulesInconsistency({s}, f"is linked to itself by the irreflexive property {p}")
        if p in ch["functional"] and len(self.out[p][s]) > 1:
            self._merge(self.out[p][s])
        if p in ch["inverse_functional"] and len(self.inn[p][o]) > 1:
            self._merge(self.inn[p][o])
        if p == SAME and s != o:
            self._merge({s, o})
        for sup, chain in t.chains:
            for i, q in enumerate(chain):
                if q == p:
                    for start in self._walk_back(chain[:i], s):
                        for end in self._walk(chain[i + 1:], o):
                            self.add_prop(start, sup, end)
        for expr, v in t.has_value.get(p, ()):
            if o == v:
                self.add_type(s, expr)
        for expr, filler in t.some.get(p, ()):
            if filler == THING or filler in self.types[o]:
                self.add_type(s, expr)

    def _walk(self, props: list, x: str) -> set:
        nodes = {x}
        for q in props:
            nodes = {z for n in nodes for z in self.out[q].get(n, ())}
        return nodes

    def _walk_back(self, props: list, x: str) -> set:
        nodes = {x}
        for q in reversed(props):
            nodes = {w for n in nodes for w in self.inn[q].get(n, ())}
        return nodes

    def _merge(self, nodes: set) -> None:
        """owl:sameAs: every member gets every type and property value of the others."""
        nodes = set(nodes)
        for x in list(nodes):
            nodes |= self.out[SAME].get(x, set()) | self.inn[SAME].get(x, set())
        if len(nodes) < 2:
            return
        for p in list(self.out):
            for x in nodes:
                for o in list(self.out[p].get(x, ())):
                    for y in nodes:
                        self.add_prop(y, p, o)
                for s in list(self.inn[p].get(x, ())):
                    for y in nodes:
                        self.add_prop(s, p, y)
        for x in nodes:
            for c in list(self.types[x]):
                for y in nodes:
                    self.add_type(y, c)
            for y in nodes:
                if x != y and y not in self.out[SAME].get(x, ()):
                    self.out[SAME][x].add(y)
                    self.inn[SAME][y].add(x)


def check_distinctness(engine: Engine) -> None:
    """Clash if two individuals said to be different are the same (owl:sameAs, a functional property)."""
    for s, others in engine.out[DIFFERENT].items():
        for o in others:
            if s == o or o in engine.out[SAME].get(s, ()):
                raise RulesInconsistency({s, o}, "are said to be different but are the same individual")


def check_disjointness(engine: Engine) -> None:
    """Clash if an individual is in two disjoint classes."""
    members: dict = defaultdict(set)
    wanted = {c for pair in engine.t.disjoint for c in pair}
    for x, cs in engine.types.items():
        for c in cs & wanted:
            members[c].add(x)
    for pair in engine.t.disjoint:
        a, b = tuple(pair)
        both = members[a] & members[b]
        if both:
            raise RulesInconsistency(both, f"are in the disjoint classes {a} and {b}")


def check_datatypes(tbox: TBox, values: list[tuple[str, str, ox.Literal]]) -> None:
    """Clash if a literal is not of its property's datatype range, or not a valid value of its own type."""
    for s, p, lit in values:
        dt = lit.datatype.value if not lit.language else str(RDF.langString)
        if not _valid_lexical(lit.value, dt):
            raise RulesInconsistency({s}, f"has the ill-typed value {lit} for {p}")
        for rng in tbox.datatype_range.get(p, ()):
            if rng in (str(RDFS.Literal), str(RDF.PlainLiteral)) or dt == rng or dt in ACCEPTS.get(rng, ()):
                continue
            raise RulesInconsistency({s}, f"has the value {lit} for {p}, outside its range {rng}")


def _valid_lexical(value: str, dt: str) -> bool:
    try:
        if dt in INTEGERS:
            int(value)
        elif dt in (str(XSD.decimal), str(XSD.double), str(XSD.float)):
            Decimal(value) if dt == str(XSD.decimal) else float(value)
        elif dt == str(XSD.boolean):
            return value in ("true", "false", "1", "0")
    except (ValueError, InvalidOperation):
        return False
    return True


def provenance_nodes(store: ox.Store) -> set[str]:
    """Source locations, document parts and references: machine-made, checked by SHACL, left to no reasoner."""
    out = set()
    for c in PROVENANCE_CLASSES:
        out |= {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(TYPE), ox.NamedNode(str(c)),
                                                                   ox.DefaultGraph())}
    return out


def load_engine(store: ox.Store, tbox: TBox, subjects: set[str] | None = None) -> tuple[Engine, dict, list]:
    """An engine holding the asserted types and the property values a rule can use, of every individual
    (or of `subjects` only). Returns it with the asserted types and the data values to check."""
    skip = provenance_nodes(store)
    engine = Engine(tbox)
    asserted: dict = defaultdict(set)
    values = []
    default = ox.DefaultGraph()

    def quads(p):
        if subjects is None:
            yield from store.quads_for_pattern(None, ox.NamedNode(p), None, default)
        else:
            for s in subjects:
                yield from store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), None, default)

    for q in quads(TYPE):
        s, o = q.subject.value, q.object
        if isinstance(o, ox.BlankNode):
            raise UnsupportedAxiom(f"{s} is asserted to be a member of a class expression; "
                                   "build with --reasoner hermit")
        if s in skip or o.value.startswith(str(OWL)) or o.value.startswith(str(RDFS)):
            continue
        if o.value in tbox.defined:
            raise UnsupportedAxiom(f"{s} is asserted to be a {o.value}, a category the reasoner infers from its "
                                   "definition; remove the assertion, or build with --reasoner hermit")
        asserted[s].add(o.value)
        engine.add_type(s, o.value)
    for p in tbox.predicates():
        for q in quads(p):
            s, o = q.subject.value, q.object
            if s in skip:
                continue
            if isinstance(o, ox.Literal):
                if p in tbox.datatype_range or p in tbox.domain:
                    values.append((s, p, o))
                for c in tbox.domain.get(p, ()):
                    engine.add_type(s, c)
                continue
            engine.add_prop(s, p, o.value)
    return engine, asserted, values


def materialise(store: ox.Store, tbox: TBox, subjects: set[str] | None = None) -> Closure:
    """Run the rules to their fixpoint; raise RulesInconsistency on a clash."""
    engine, asserted, values = load_engine(store, tbox, subjects)
    check_datatypes(tbox, values)
    engine.run()
    check_disjointness(engine)
    check_distinctness(engine)
    return Closure(engine.types, asserted)


def class_supers(tbox: TBox, closure: Closure) -> dict[str, set[str]]:
    """Named superclasses of each named class, as far as the axioms show them structurally (what HermiT's
    classification gives for this ontology; a test compares them): subclass and equivalence links,
    intersections implying their members, a union implying what all its members imply, and a nominal
    class implying the types all its individuals have."""
    memo: dict = {}

    def sup(c: str, stack: frozenset) -> set:
        if c in memo:
            return memo[c]
        if c in stack:
            return {c}
        out, todo = {c}, [c]
        while todo:
            x = todo.pop()
            nxt = set(tbox.supers.get(x, ()))
            if x in tbox.unions:
                parts = [sup(m, stack | {c}) for m in tbox.unions[x]]
                nxt |= set.intersection(*parts) if parts else set()
            if x in tbox.one_of:
                parts = [closure.types.get(i, set()) | {x} for i in tbox.one_of[x]]
                nxt |= set.intersection(*parts) if parts else set()
            for y in nxt - out:
                out.add(y)
                todo.append(y)
        if not stack:
            memo[c] = out
        return out

    return {c: {d for d in sup(c, frozenset()) if d in tbox.named_classes} for c in tbox.named_classes}


def inferred_types(tbox: TBox, closure: Closure) -> Graph:
    """What HermiT reports through owlready2, computed from the closure: for each of evkg's own
    individuals, its most specific named types that are not asserted, and their evkg superclasses."""
    supers = class_supers(tbox, closure)
    out = Graph()
    for x, cs in closure.types.items():
        if not x.startswith(str(RES)) or x.startswith("_:"):
            continue
        named = {c for c in cs if c in tbox.named_classes and c != THING}
        # most specific: no other type strictly below it
        direct = {c for c in named if not any(d != c and c in supers[d] and d not in supers[c] for d in named)}
        asserted = closure.asserted.get(x, set())
        new = direct - asserted
        todo = list(new)
        while todo:
            for sup in tbox.told_supers.get(todo.pop(), ()):
                if sup.startswith(str(EVKG)) and sup not in asserted and sup not in new:
                    new.add(sup)
                    todo.append(sup)
        for c in new:
            out.add((URIRef(x), RDF.type, URIRef(c)))
    return out
