#!/usr/bin/env bash
# deploy/validate.sh — validate the deployment files without a cluster, a
# Docker engine or GitHub; every tool and schema comes from a registry this
# machine and CI reach (Go module proxy, PyPI), pinned, cached under .tools/.
#
#   deploy/validate.sh            validate this checkout
#   deploy/validate.sh ROOT       validate the tree at ROOT (deploy/validate_test.sh
#                                 runs it on broken copies)
#
# What it checks (each prints one line; any failure exits 1 at the end):
#   k8s        kustomize renders deploy/k8s/base and every overlay; kubeconform
#              -strict validates every object against the Kubernetes 1.31 JSON
#              schemas (unknown fields are errors)
#   k8s-policy every Deployment: probes, resources, securityContext, a PDB,
#              replicas <= partitions
#   compose    deploy/compose.yaml against the Compose Specification schema
#              (compose-go's), then: env files, build contexts, Dockerfiles,
#              depends_on targets and conditions, named volumes, ${VAR}s,
#              published ports
#   flags      every FINTRA_* variable and --flag given to a fintra process
#              (compose and rendered k8s) is a real flag of its subcommand,
#              and every --processors name is registered
#   docker     every Dockerfile: COPY/ADD sources exist in the build context
#              and are not .dockerignored, the Go build copies every package
#              directory cmd/fintra depends on, base images pinned, final USER
#              non-root
#   rules      promtool check rules on the Prometheus alerting rules, and
#              promtool test rules on their unit tests
#   workflow   actionlint on .github/workflows/*.yml (with shellcheck)
#   scripts    shellcheck on deploy/*.sh (when shellcheck is installed)
#
# Settings: FINTRA_TOOLS_DIR (default ROOT/.tools of this script's checkout).
set -euo pipefail

SELF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(cd "${1:-$SELF_ROOT}" && pwd)
TOOLS=${FINTRA_TOOLS_DIR:-$SELF_ROOT/.tools}
BIN=$TOOLS/bin
GO=${GO:-go}

KUBECONFORM_VERSION=v0.7.0
KUSTOMIZE_VERSION=v5.7.1
ACTIONLINT_VERSION=v1.7.7
PROMETHEUS_VERSION=v0.303.1          # promtool of Prometheus 3.3.1
COMPOSE_GO_VERSION=v2.6.0            # ships the Compose Specification JSON schema
K8S_SCHEMAS_PYPI=kubernetes-validate==1.31.0
K8S_VERSION=1.31.0
PY_PACKAGES=(jsonschema==4.23.0 PyYAML==6.0.2)

FAILED=()
log() { printf 'validate: %s\n' "$*" >&2; }
ok() { printf 'ok    %-10s %s\n' "$1" "$2"; }
fail() { printf 'FAIL  %-10s %s\n' "$1" "$2"; FAILED+=("$1"); }

# ------------------------------------------------------------------ the tools

# installed NAME VERSION: whether $BIN/NAME was installed at VERSION (a stamp
# file beside it; not every tool reports its own version).
installed() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.version" 2>/dev/null)" = "$2" ]; }

# go_tool NAME PACKAGE VERSION: go install PACKAGE@VERSION into $BIN, once.
go_tool() {
  local name=$1 pkg=$2 version=$3
  installed "$name" "$version" && return 0
  log "installing $pkg@$version into $BIN"
  GOBIN=$BIN GOFLAGS=-buildvcs=false $GO install "$pkg@$version" >&2
  echo "$version" >"$BIN/.$name.version"
}

# promtool cannot be `go install`ed (Prometheus' go.mod has replace
# directives): build it inside its own module, from the module proxy.
promtool_tool() {
  installed promtool "$PROMETHEUS_VERSION" && return 0
  log "building promtool from github.com/prometheus/prometheus@$PROMETHEUS_VERSION (a few minutes, once)"
  local dir
  dir=$(cd / && $GO mod download -json "github.com/prometheus/prometheus@$PROMETHEUS_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { log "go mod download github.com/prometheus/prometheus@$PROMETHEUS_VERSION failed"; return 1; }
  (cd "$dir" && GOFLAGS=-mod=mod $GO build -trimpath -o "$BIN/promtool" ./cmd/promtool) >&2
  echo "$PROMETHEUS_VERSION" >"$BIN/.promtool.version"
}

# A private venv with the JSON schema validator and a YAML parser.
PY=$TOOLS/deploy-py/bin/python
python_tools() {
  if [ -x "$PY" ] && "$PY" -c 'import importlib.metadata as m, sys; sys.exit(0 if [m.version("jsonschema"), m.version("PyYAML")] == sys.argv[1:] else 1)' \
      "${PY_PACKAGES[0]#*==}" "${PY_PACKAGES[1]#*==}" 2>/dev/null; then
    return 0
  fi
  log "creating $TOOLS/deploy-py with ${PY_PACKAGES[*]}"
  python3 -m venv "$TOOLS/deploy-py" >&2
  "$PY" -m pip install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}" >&2
}

# Kubernetes JSON schemas from PyPI (kubernetes-validate bundles them; the
# usual source, GitHub, is not reachable here). The package's "local-strict"
# schemas reference a shared _definitions.json by an absolute https $id;
# dropping the $ids makes those references resolve next to each file.
K8S_SCHEMAS=$TOOLS/k8s-schemas/v$K8S_VERSION-strict
k8s_schemas() {
  [ -f "$K8S_SCHEMAS/.complete" ] && return 0
  log "fetching Kubernetes $K8S_VERSION JSON schemas ($K8S_SCHEMAS_PYPI from PyPI)"
  local tmp
  tmp=$(mktemp -d)
  "$PY" -m pip download --quiet --no-deps --dest "$tmp" "$K8S_SCHEMAS_PYPI" >&2
  rm -rf "$K8S_SCHEMAS"
  mkdir -p "$K8S_SCHEMAS"
  "$PY" - "$tmp"/*.whl "v$K8S_VERSION-local-strict" "$K8S_SCHEMAS" <<'PY'
import json, os, sys, zipfile
wheel, version_dir, out = sys.argv[1:]
prefix = f"kubernetes_validate/kubernetes-json-schema/{version_dir}/"
n = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not name.startswith(prefix) or not name.endswith(".json"):
            continue
        schema = json.loads(z.read(name))
        schema.pop("$id", None)
        text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
        with open(os.path.join(out, name[len(prefix):]), "w") as f:
            f.write(text)
        n += 1
if n < 100:
    sys.exit(f"only {n} schemas under {prefix} in {wheel}")
PY
  rm -rf "$tmp"
  touch "$K8S_SCHEMAS/.complete"
}

COMPOSE_SCHEMA=
compose_schema() {
  local dir
  dir=$(cd / && $GO mod download -json "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  COMPOSE_SCHEMA=$dir/schema/compose-spec.json
  [ -f "$COMPOSE_SCHEMA" ] || { log "no compose-spec.json in compose-go $COMPOSE_GO_VERSION ($dir)"; return 1; }
}

mkdir -p "$BIN"
go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"
promtool_tool
python_tools
k8s_schemas
compose_schema

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The fintra binary of the tree under validation: its --help is the truth
# about which flags and processors exist.
if (cd "$ROOT" && GOFLAGS=-buildvcs=false $GO build -o "$WORK/fintra" ./cmd/fintra) 2>"$WORK/build.log"; then
  FINTRA=$WORK/fintra
else
  FINTRA=
  fail flags "cannot build cmd/fintra to read its flags: $(head -c 600 "$WORK/build.log")"
fi

# ------------------------------------------------------------------ kubernetes
K8S=$ROOT/deploy/k8s
RENDERED=()
for dir in "$K8S/base" "$K8S"/overlays/*/; do
  dir=${dir%/}
  name=${dir#"$K8S"/}
  out=$WORK/k8s-${name//\//-}.yaml
  if ! "$BIN/kustomize" build "$dir" >"$out" 2>"$out.err"; then
    fail k8s "kustomize build deploy/k8s/$name: $(cat "$out.err")"
    continue
  fi
  if res=$("$BIN/kubeconform" -strict -summary -kubernetes-version "$K8S_VERSION" \
      -schema-location "$K8S_SCHEMAS/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$out" 2>&1); then
    ok k8s "deploy/k8s/$name: $(tail -n1 <<<"$res" | sed 's/^Summary: //')"
    RENDERED+=("$name=$out")
  else
    fail k8s "deploy/k8s/$name (kubernetes $K8S_VERSION, strict):
$(grep -v '^Summary' <<<"$res" | sed -e "s|$out|deploy/k8s/$name|" \
    -e "s|problem validating schema. Check JSON formatting: jsonschema validation failed with '[^']*' - ||" | cut -c1-600)
$(tail -n1 <<<"$res")"
  fi
done

# ------------------------------------------ compose, flags, k8s policy, docker
# The directories of the packages (and embedded files) cmd/fintra is built
# from: the Dockerfile that builds it must copy every one into its context.
(cd "$ROOT" && $GO list -deps -f '{{if not .Standard}}{{.Dir}}{{end}}' ./cmd/fintra 2>/dev/null) \
  | sed -n "s|^$ROOT/||p" >"$WORK/fintra-dirs" || true

help_dir=$WORK/help
mkdir -p "$help_dir"
if [ -n "$FINTRA" ]; then
  for sub in run sink ingest serve topics dlq tail demo produce; do
    "$FINTRA" "$sub" --help >"$help_dir/$sub" 2>&1 || true
  done
fi

"$PY" - "$ROOT" "$COMPOSE_SCHEMA" "$help_dir" "$WORK/fintra-dirs" "${RENDERED[@]}" <<'PY' || FAILED+=(python)
import fnmatch, json, os, re, sys
import jsonschema, yaml

root, compose_schema, help_dir, fintra_dirs_file, *rendered = sys.argv[1:]
fintra_dirs = [l.strip() for l in open(fintra_dirs_file) if l.strip()]
failed = False

def report(area, ok, msg):
    global failed
    print(f"{'ok   ' if ok else 'FAIL '} {area:<10} {msg}")
    failed |= not ok

def rel(p):
    return os.path.relpath(p, root)

# --- what fintra accepts, from its --help
flags, processors = {}, []
for sub in os.listdir(help_dir):
    text = open(os.path.join(help_dir, sub)).read()
    flags[sub] = set(re.findall(r"^  -([a-z0-9][a-z0-9-]*)", text, re.M))
    if sub == "run":
        m = re.search(r"processors to run \(default all\): ([a-z0-9, -]+)", text)
        processors = [p.strip() for p in m.group(1).split(",")] if m else []
have_flags = any(flags.values())

def env_flag(var):
    return var[len("FINTRA_"):].lower().replace("_", "-")

def check_process(where, args, own_env, shared_env):
    """Problems with one fintra process: its subcommand, --flags,
    processors and FINTRA_* variables (own: must be a flag of this
    subcommand; shared: of at least one subcommand in use)."""
    if not have_flags:
        return []
    problems = []
    if not args or args[0] not in flags:
        return [f"{where}: {args[:1]} is not a fintra subcommand ({', '.join(sorted(flags))})"]
    sub, fl = args[0], flags[args[0]]
    for i, a in enumerate(args[1:], 1):
        if a.startswith("-"):
            name = a.lstrip("-").split("=", 1)[0]
            if name not in fl and name not in ("h", "help"):
                problems.append(f"{where}: fintra {sub} has no flag --{name} (it has: {', '.join(sorted(fl))})")
            if name == "processors":
                value = a.split("=", 1)[1] if "=" in a else (args[i + 1] if i + 1 < len(args) else "")
                for p in filter(None, value.split(",")):
                    if p not in processors:
                        problems.append(f"{where}: processor {p!r} is not registered (fintra run knows: {', '.join(processors)})")
    for var in own_env:
        if var.startswith("FINTRA_") and env_flag(var) not in fl:
            problems.append(f"{where}: {var} sets no flag of fintra {sub} (--{env_flag(var)} does not exist); "
                            f"its flags: {', '.join(sorted(fl))}")
    return problems

def check_shared(where, shared_env, subs):
    known = set().union(*(flags.get(s, set()) for s in subs)) if subs else set()
    return [f"{where}: {var} sets no flag of any fintra subcommand used here ({', '.join(sorted(subs))})"
            for var in shared_env if var.startswith("FINTRA_") and env_flag(var) not in known]

def read_env_file(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v
    return out

# --- .dockerignore, as Docker reads it (patterns from the context root; ! re-includes)
def dockerignore(context):
    path = os.path.join(context, ".dockerignore")
    rules = []
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line and not line.startswith("#"):
                neg = line.startswith("!")
                pat = line.lstrip("!").strip("/")
                rules.append((neg, pat))
    def ignored(relpath):
        hit = False
        parts = relpath.split("/")
        for neg, pat in rules:
            for i in range(1, len(parts) + 1):
                prefix = "/".join(parts[:i])
                if fnmatch.fnmatchcase(prefix, pat) or (pat.startswith("**/") and fnmatch.fnmatchcase(parts[i - 1], pat[3:])):
                    hit = not neg
                    break
        return hit
    return ignored

def check_dockerfile(dockerfile, context):
    problems, notes = [], []
    ignored = dockerignore(context)
    stages, user, final_from = set(), None, None
    args = {}
    text = open(dockerfile).read()
    lines = re.sub(r"\\\n", " ", text).splitlines()
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instr, _, rest = line.partition(" ")
        instr = instr.upper()
        if instr == "ARG" and "=" in rest and not final_from:
            k, v = rest.split("=", 1)
            args[k.strip()] = v.strip()
        elif instr == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), words[0])
            if len(words) >= 3 and words[1].upper() == "AS":
                stages.add(words[2])
            if image not in stages:
                tag = image.rsplit("/", 1)[-1]
                if "@sha256:" not in image and (":" not in tag or tag.endswith(":latest")):
                    problems.append(f"{rel(dockerfile)}: base image {image} is not pinned to a tag or digest")
            final_from, user = image, None
        elif instr == "USER":
            user = rest.strip()
        elif instr in ("COPY", "ADD"):
            words = rest.split()
            if rest.lstrip().startswith("["):
                words = json.loads(rest)
            if any(w.startswith("--from=") for w in words):
                continue
            words = [w for w in words if not w.startswith("--")]
            for src in words[:-1]:
                relsrc = os.path.normpath(src).lstrip("/")
                matches = [relsrc] if os.path.exists(os.path.join(context, relsrc)) else []
                if not matches and any(c in relsrc for c in "*?["):
                    import glob
                    matches = [rel2 for rel2 in (os.path.relpath(p, context) for p in glob.glob(os.path.join(context, relsrc)))]
                if not matches:
                    problems.append(f"{rel(dockerfile)}: {instr} {src}: no such file or directory in the build context {rel(context) or '.'}")
                elif relsrc not in (".", "") and all(ignored(m) for m in matches):
                    problems.append(f"{rel(dockerfile)}: {instr} {src}: excluded by .dockerignore")
    if re.search(r"go build[^\n]*\./cmd/fintra", text):
        copied = set()
        for line in lines:
            words = line.split()
            if words and words[0].upper() == "COPY" and not any(w.startswith("--from=") for w in words):
                copied |= {os.path.normpath(w) for w in words[1:-1] if not w.startswith("--")}
        for d in fintra_dirs:
            if not any(c == "." or d == c or d.startswith(c + "/") for c in copied):
                problems.append(f"{rel(dockerfile)}: cmd/fintra needs {d}/ (go list -deps) but no COPY brings it into the build")
    if user is None:
        problems.append(f"{rel(dockerfile)}: the final stage sets no USER (it would run as root)")
    elif user.split(":")[0] in ("root", "0"):
        problems.append(f"{rel(dockerfile)}: the final stage runs as root (USER {user})")
    return problems

# --- compose
compose_path = os.path.join(root, "deploy", "compose.yaml")
compose_dir = os.path.dirname(compose_path)
compose = yaml.safe_load(open(compose_path))
schema = json.load(open(compose_schema))
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: list(e.absolute_path))
report("compose", not errors, f"{rel(compose_path)} against the Compose Specification schema" +
       "".join(f"\n      at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}" for e in errors))

problems, dockerfiles = [], {}
services = compose.get("services") or {}
volumes = set((compose.get("volumes") or {}).keys())
raw = open(compose_path).read()
dotenv = os.path.join(compose_dir, ".env")
defined = set(os.environ) | (set(read_env_file(dotenv)) if os.path.exists(dotenv) else set())
for m in re.finditer(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+][^}]*)?\}", raw):
    if not m.group(2) and m.group(1) not in defined:
        problems.append(f"${{{m.group(1)}}} is referenced but set neither in the environment nor in {rel(dotenv)}, and has no default")
host_ports = {}
fintra_procs, shared_by_file = [], {}
for name, svc in services.items():
    svc = svc or {}
    env_files = svc.get("env_file") or []
    if isinstance(env_files, (str, dict)):
        env_files = [env_files]
    shared = {}
    for ef in env_files:
        p = ef if isinstance(ef, str) else ef.get("path")
        full = os.path.join(compose_dir, p)
        if not os.path.exists(full):
            problems.append(f"service {name}: env_file {p} does not exist ({rel(full)})")
        else:
            shared.update(read_env_file(full))
            shared_by_file.setdefault(rel(full), set()).add(name)
    build = svc.get("build")
    if build is not None:
        ctx = build if isinstance(build, str) else build.get("context", ".")
        context = os.path.normpath(os.path.join(compose_dir, ctx))
        dockerfile = os.path.join(context, build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile")
        if not os.path.isdir(context):
            problems.append(f"service {name}: build context {ctx} does not exist")
        elif not os.path.exists(dockerfile):
            problems.append(f"service {name}: Dockerfile {rel(dockerfile)} does not exist")
        else:
            dockerfiles[dockerfile] = context
    deps = svc.get("depends_on") or {}
    for dep, cond in (deps.items() if isinstance(deps, dict) else ((d, {}) for d in deps)):
        if dep not in services:
            problems.append(f"service {name}: depends_on {dep}, which is not a service")
            continue
        c = (cond or {}).get("condition", "service_started")
        target = services[dep] or {}
        if c == "service_healthy" and not target.get("healthcheck") and not target.get("build"):
            problems.append(f"service {name}: waits for {dep} to be healthy, but {dep} has no healthcheck")
        if c == "service_completed_successfully" and target.get("restart") not in ("no", None):
            problems.append(f"service {name}: waits for {dep} to complete, but {dep} restarts ({target.get('restart')}); give it restart: \"no\"")
    for v in svc.get("volumes") or []:
        src = v.split(":", 1)[0] if isinstance(v, str) else (v.get("source") if v.get("type", "volume") != "tmpfs" else None)
        if not src or ":" not in str(v) and isinstance(v, str):
            continue
        if src.startswith((".", "/", "~")):
            if not os.path.exists(os.path.join(compose_dir, src)):
                problems.append(f"service {name}: bind mount source {src} does not exist")
        elif src not in volumes:
            problems.append(f"service {name}: volume {src} is not declared under the top-level volumes")
    for p in svc.get("ports") or []:
        host = str(p).rsplit(":", 1)[0] if ":" in str(p) else None
        if host:
            if host in host_ports:
                problems.append(f"services {host_ports[host]} and {name} both publish host port {host}")
            host_ports[host] = name
    image = str(svc.get("image", ""))
    is_fintra = image.startswith("fintra:") or (isinstance(build, dict) and build.get("dockerfile", "").endswith("deploy/Dockerfile"))
    if is_fintra:
        cmd = svc.get("command") or []
        cmd = cmd.split() if isinstance(cmd, str) else list(cmd)
        env = svc.get("environment") or {}
        env = dict(e.split("=", 1) if "=" in e else (e, "") for e in env) if isinstance(env, list) else env
        problems += check_process(f"compose service {name}", cmd, env, shared)
        if cmd:
            fintra_procs.append(cmd[0])
for f, users in shared_by_file.items():
    if any(((services[u] or {}).get("image", "")).startswith("fintra:") for u in users):
        problems += check_shared(f, read_env_file(os.path.join(root, f)), set(fintra_procs))
report("compose", not problems, f"{rel(compose_path)}: {len(services)} services; env files, build contexts, "
       f"depends_on, volumes, ports, ${{VAR}}s, fintra flags and processors"
       + "".join(f"\n      {p}" for p in problems))

# --- rendered Kubernetes: fintra flags and the operational policy
for item in rendered:
    name, path = item.split("=", 1)
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    configmaps = {d["metadata"]["name"]: d.get("data") or {} for d in docs if d["kind"] == "ConfigMap"}
    pdbs = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    partitions = None
    problems, subs, shared_sources = [], set(), {}
    for d in docs:
        if d["kind"] != "Deployment":
            continue
        dname = d["metadata"]["name"]
        spec = d["spec"]
        pod = spec["template"]["spec"]
        labels = spec["template"]["metadata"].get("labels") or {}
        psc = pod.get("securityContext") or {}
        if not psc.get("runAsNonRoot"):
            problems.append(f"Deployment {dname}: pod securityContext.runAsNonRoot is not true")
        if not any(all(labels.get(k) == v for k, v in (p["spec"].get("selector", {}).get("matchLabels") or {}).items()) for p in pdbs):
            problems.append(f"Deployment {dname}: no PodDisruptionBudget selects its pods")
        for c in pod["containers"]:
            where = f"Deployment {dname} container {c['name']}"
            sc = c.get("securityContext") or {}
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: securityContext.readOnlyRootFilesystem is not true")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: securityContext.allowPrivilegeEscalation is not false")
            if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
                problems.append(f"{where}: securityContext.capabilities.drop lacks ALL")
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in c:
                    problems.append(f"{where}: no {probe}")
            res = c.get("resources") or {}
            for k in ("requests", "limits"):
                if not {"cpu", "memory"} <= set((res.get(k) or {}).keys()):
                    problems.append(f"{where}: resources.{k} needs cpu and memory")
            image = c.get("image", "")
            if not re.search(r"(^|/)fintra:", image):
                continue
            shared = {}
            for ef in c.get("envFrom") or []:
                ref = (ef.get("configMapRef") or {}).get("name")
                if ref:
                    if ref not in configmaps:
                        problems.append(f"{where}: envFrom ConfigMap {ref} is not in the rendered output")
                    shared.update(configmaps.get(ref, {}))
                    shared_sources.setdefault(ref, set())
            own = {e["name"]: e for e in c.get("env") or []}
            args = list(c.get("command") or [])[1:] + list(c.get("args") or []) if c.get("command") else list(c.get("args") or [])
            problems += check_process(where, args, own, shared)
            if args:
                subs.add(args[0])
                for ref in shared_sources:
                    shared_sources[ref].add(args[0])
            if args and args[0] in ("run", "sink"):
                try:
                    partitions = int(shared.get("FINTRA_PARTITIONS", own.get("FINTRA_PARTITIONS", {}).get("value", 12)))
                except ValueError:
                    problems.append(f"{where}: FINTRA_PARTITIONS is not a number")
                    partitions = 12
                if spec.get("replicas", 1) > partitions:
                    problems.append(f"Deployment {dname}: {spec.get('replicas')} replicas but {partitions} partitions: "
                                    f"{spec.get('replicas') - partitions} would idle; lower replicas or raise FINTRA_PARTITIONS")
    for ref, used in shared_sources.items():
        problems += check_shared(f"ConfigMap {ref}", configmaps.get(ref, {}), used)
    report("k8s-policy", not problems, f"deploy/k8s/{name}: probes, resources, securityContext, PDBs, replicas <= partitions, fintra flags"
           + "".join(f"\n      {p}" for p in problems))

# --- Dockerfiles: those compose builds, and any other in deploy/
for f in os.listdir(os.path.join(root, "deploy")):
    full = os.path.join(root, "deploy", f)
    if (f == "Dockerfile" or f.endswith(".Dockerfile")) and full not in dockerfiles:
        dockerfiles[full] = root
for dockerfile, context in sorted(dockerfiles.items()):
    problems = check_dockerfile(dockerfile, context)
    report("docker", not problems, f"{rel(dockerfile)}: COPY sources in the context, .dockerignore, Go package dirs, pinned bases, non-root USER"
           + "".join(f"\n      {p}" for p in problems))

sys.exit(1 if failed else 0)
PY

# ------------------------------------------------------------- alerting rules
rules=$ROOT/deploy/k8s/base/prometheus-rules.yaml
if out=$("$BIN/promtool" check rules "$rules" 2>&1); then
  ok rules "${rules#"$ROOT"/}: promtool $PROMETHEUS_VERSION check rules: $(grep -o '[0-9]* rules found' <<<"$out")"
else
  fail rules "${rules#"$ROOT"/}:
$out"
fi
# The rules' unit tests (promtool resolves rule_files relative to the test).
tests=${rules%.yaml}.test.yaml
if out=$("$BIN/promtool" test rules "$tests" 2>&1); then
  ok rules "${tests#"$ROOT"/}: promtool test rules"
else
  fail rules "${tests#"$ROOT"/}:
$out"
fi

# ------------------------------------------------------------- the workflow
shopt -s nullglob
workflows=("$ROOT"/.github/workflows/*.yml "$ROOT"/.github/workflows/*.yaml)
if [ ${#workflows[@]} -eq 0 ]; then
  fail workflow "no workflow under .github/workflows"
elif out=$(cd "$ROOT" && "$BIN/actionlint" -no-color "${workflows[@]#"$ROOT"/}" 2>&1); then
  sc=$(command -v shellcheck >/dev/null && echo "with shellcheck" || echo "without shellcheck (not installed)")
  ok workflow "${workflows[*]#"$ROOT"/}: actionlint $ACTIONLINT_VERSION $sc"
else
  fail workflow "actionlint:
$out"
fi

# ------------------------------------------------------------- the scripts
if command -v shellcheck >/dev/null; then
  if out=$(shellcheck "$ROOT"/deploy/*.sh 2>&1); then
    ok scripts "shellcheck deploy/*.sh"
  else
    fail scripts "shellcheck:
$out"
  fi
else
  log "shellcheck is not installed: deploy/*.sh not linted (apt-get install shellcheck)"
fi

if [ ${#FAILED[@]} -gt 0 ]; then
  printf 'validate: FAILED (%s)\n' "$(printf '%s\n' "${FAILED[@]}" | sort -u | paste -sd, -)" >&2
  exit 1
fi
printf 'validate: all deployment files valid\n' >&2
